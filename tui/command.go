package tui

import (
	"fmt"
	"strconv"
	"strings"
)

// Command is one parsed `:` command line. Every view is reached through a
// Command, so the page stack, the breadcrumbs and the key bindings all go
// through the same interpreter.
type Command struct {
	Name    string // canonical name: see commandNames
	Addr    uint64 // the address argument, when HasAddr
	HasAddr bool
	Sym     string // a symbol given instead of an address (rd jiffies)
	Arg     string // cache name, filter, file, head symbol, pid
	Type    string // "struct kdx_obj" for struct and list -s
	Member  string // list -l
	Count   int    // rd count of 64-bit words
	Hlist   bool   // list -h
	Force   bool   // export --force
	All     bool   // bt -a: the task on every CPU
}

// commandNames are the names `:` completes, crash's where crash has one.
var commandNames = []string{
	"bookmarks", "bt", "check", "export", "findings", "help", "kmem -s", "kmem -S",
	"list", "log", "mod", "ps", "quit", "rd", "refs", "search", "slab", "struct",
	"summary", "sys", "task", "whatis",
}

// aliases map other spellings to canonical names.
var aliases = map[string]string{
	"q": "quit", "exit": "quit", "sys": "summary", "?": "help",
	"marks": "bookmarks", "find": "findings",
}

// ParseCommand interprets one command line. It is pure: it reads nothing
// from the dump, so it is table-tested on its own.
func ParseCommand(line string) (Command, error) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return Command{}, fmt.Errorf("empty command")
	}
	name := f[0]
	if a, ok := aliases[name]; ok {
		name = a
	}
	c := Command{Name: name}
	args := f[1:]
	switch name {
	case "summary", "mod", "findings", "help", "quit", "bookmarks":
		return c, noArgs(c, args)
	case "log", "ps":
		c.Arg = strings.Join(args, " ")
		return c, nil
	case "bt", "task":
		if name == "bt" && len(args) == 1 && args[0] == "-a" {
			c.All = true
			return c, nil
		}
		return c, parseTaskArg(&c, args)
	case "kmem":
		return parseKmem(c, args)
	case "slab", "search":
		return c, oneAddr(&c, args)
	case "whatis", "refs":
		return c, addrOrSym(&c, args)
	case "rd":
		return c, parseRd(&c, args)
	case "struct":
		return c, parseStruct(&c, args)
	case "list":
		return c, parseList(&c, args)
	case "check":
		if len(args) > 1 {
			return c, fmt.Errorf("check: at most one cache name")
		}
		c.Arg = strings.Join(args, "")
		return c, nil
	case "export":
		return c, parseExport(&c, args)
	case "finding":
		if len(args) != 1 {
			return c, fmt.Errorf("finding needs its number in the findings view")
		}
		if _, err := strconv.Atoi(args[0]); err != nil {
			return c, fmt.Errorf("finding %q: not a number", args[0])
		}
		c.Arg = args[0]
		return c, nil
	}
	return c, fmt.Errorf("unknown command %q (try :help)", f[0])
}

func noArgs(c Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("%s takes no arguments", c.Name)
	}
	return nil
}

// ParseAddr reads an address as crash does: hex, with or without 0x.
func ParseAddr(s string) (uint64, error) {
	t := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if t == "" {
		return 0, fmt.Errorf("%q is not an address", s)
	}
	a, err := strconv.ParseUint(t, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a hex address", s)
	}
	return a, nil
}

// addrOrSym takes an address, or a symbol as crash does (rd jiffies),
// resolved when the command runs.
func addrOrSym(c *Command, args []string) error {
	if len(args) == 1 && isIdent(args[0]) {
		if _, err := ParseAddr(args[0]); err != nil || !isHex(args[0]) {
			c.Sym = args[0]
			return nil
		}
	}
	return oneAddr(c, args)
}

// isIdent says whether s can be a C symbol name.
func isIdent(s string) bool {
	for i, r := range s {
		ok := r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return s != ""
}

// isHex says whether s reads as a hex address (crash's rule: hex wins).
func isHex(s string) bool {
	_, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
	return err == nil
}

func oneAddr(c *Command, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("%s needs one address", c.Name)
	}
	a, err := ParseAddr(args[0])
	c.Addr, c.HasAddr = a, err == nil
	return err
}

// parseTaskArg takes a PID (decimal) or a task_struct address (hex, 0x or
// 16 digits); none means the panic task.
func parseTaskArg(c *Command, args []string) error {
	switch {
	case len(args) == 0:
		return nil
	case len(args) > 1:
		return fmt.Errorf("%s takes one PID or task address", c.Name)
	}
	s := args[0]
	if strings.HasPrefix(s, "0x") || len(s) >= 12 {
		return oneAddr(c, args)
	}
	if _, err := strconv.Atoi(s); err != nil {
		return fmt.Errorf("%s: %q is neither a PID nor a task address", c.Name, s)
	}
	c.Arg = s
	return nil
}

func parseKmem(c Command, args []string) (Command, error) {
	if len(args) == 0 || (args[0] != "-s" && args[0] != "-S") {
		return c, fmt.Errorf("kmem: only -s [CACHE] and -S CACHE are supported")
	}
	c.Name = "kmem -s"
	if args[0] == "-S" || len(args) > 1 {
		c.Name = "kmem -S"
	}
	if len(args) > 2 {
		return c, fmt.Errorf("kmem: one cache name at most")
	}
	if len(args) == 2 {
		c.Arg = args[1]
	} else if c.Name == "kmem -S" {
		return c, fmt.Errorf("kmem -S needs a cache name")
	}
	return c, nil
}

func parseRd(c *Command, args []string) error {
	if len(args) < 1 || len(args) > 2 {
		return fmt.Errorf("rd needs an address and an optional count of words")
	}
	if err := addrOrSym(c, args[:1]); err != nil {
		return err
	}
	c.Count = 64
	if len(args) == 2 {
		n, err := strconv.Atoi(args[1])
		if err != nil || n <= 0 || n > 1<<16 {
			return fmt.Errorf("rd: count %q must be 1..65536", args[1])
		}
		c.Count = n
	}
	return nil
}

// typeName turns crash's bare struct name into a DWARF type name.
func typeName(s string) string {
	for _, p := range []string{"struct ", "union ", "enum "} {
		if strings.HasPrefix(s, p) {
			return s
		}
	}
	return "struct " + s
}

func parseStruct(c *Command, args []string) error {
	if len(args) >= 1 && (args[0] == "struct" || args[0] == "union") {
		args = append([]string{args[0] + " " + argAt(args, 1)}, args[min(2, len(args)):]...)
	}
	if len(args) != 2 {
		return fmt.Errorf("struct needs a type and an address: struct kdx_obj 0xffff...")
	}
	c.Type = typeName(args[0])
	return addrOrSym(c, args[1:])
}

func argAt(a []string, i int) string {
	if i < len(a) {
		return a[i]
	}
	return ""
}

// parseList reads crash's `list [-H] HEAD [-s TYPE] [-l MEMBER] [-h]`:
// HEAD is a symbol or an address of a list_head (hlist_head with -h).
func parseList(c *Command, args []string) error {
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "-H":
		case "-h":
			c.Hlist = true
		case "-s", "-l":
			if i+1 >= len(args) {
				return fmt.Errorf("list: %s needs a value", a)
			}
			i++
			if a == "-s" {
				c.Type = typeName(args[i])
			} else {
				c.Member = args[i]
			}
		default:
			if c.Arg != "" {
				return fmt.Errorf("list: one head only (got %q and %q)", c.Arg, a)
			}
			c.Arg = a
		}
	}
	if c.Arg == "" {
		return fmt.Errorf("list needs a head: list kdx_list -s kdx_node -l link")
	}
	if (c.Type == "") != (c.Member == "") {
		return fmt.Errorf("list: -s TYPE and -l MEMBER go together")
	}
	return nil
}

func parseExport(c *Command, args []string) error {
	for _, a := range args {
		switch {
		case a == "--force" || a == "-f":
			c.Force = true
		case c.Arg == "":
			c.Arg = a
		default:
			return fmt.Errorf("export: one file name only")
		}
	}
	if c.Arg == "" {
		return fmt.Errorf("export needs a file name: export report.md")
	}
	return nil
}

// String is the command's canonical text, used in breadcrumbs and history.
func (c Command) String() string {
	parts := []string{c.Name}
	add := func(s string) {
		if s != "" {
			parts = append(parts, s)
		}
	}
	switch c.Name {
	case "struct":
		add(strings.TrimPrefix(c.Type, "struct "))
	case "bt":
		if c.All {
			add("-a")
		}
		add(c.Arg)
	case "list":
		if c.Hlist {
			add("-h")
		}
		add(c.Arg)
		if c.Type != "" {
			add("-s " + strings.TrimPrefix(c.Type, "struct ") + " -l " + c.Member)
		}
		return strings.Join(parts, " ")
	case "export":
		add(c.Arg)
		if c.Force {
			add("--force")
		}
		return strings.Join(parts, " ")
	default:
		add(c.Arg)
	}
	if c.HasAddr {
		add(fmt.Sprintf("%#x", c.Addr))
	}
	add(c.Sym)
	if c.Name == "rd" && c.Count != 64 {
		add(strconv.Itoa(c.Count))
	}
	return strings.Join(parts, " ")
}

// Complete returns the completions of a command line: command names, or
// for commands that take a cache (kmem -s, kmem -S, check) the names in
// caches that start with what was typed. Each completion is the whole
// line.
func Complete(line string, caches []string) []string {
	var out []string
	for _, cmd := range []string{"kmem -S ", "kmem -s ", "check "} {
		if rest, ok := strings.CutPrefix(line, cmd); ok {
			for _, c := range caches {
				if strings.HasPrefix(c, rest) {
					out = append(out, cmd+c)
				}
			}
			return out
		}
	}
	for _, n := range commandNames {
		if strings.HasPrefix(n, line) {
			out = append(out, n)
		}
	}
	return out
}
