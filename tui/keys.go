package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap is the one table of key bindings: Update matches keys against it
// and the `?` help is generated from it, so the two cannot disagree.
type keyMap struct {
	Up, Down, PgUp, PgDown, Top, Bottom key.Binding
	PrevAddr, NextAddr                  key.Binding
	Open, Whatis, Rd, Refs              key.Binding
	Back, Forward, Cancel               key.Binding
	Command, Search, NextMatch, Filter  key.Binding
	Level, Mark, Help, Quit, Wrap       key.Binding
	ListNext, ListPrev, ListRun, Check  key.Binding
	Summary, Log, Ps, Bt, Mod, Kmem     key.Binding
	Findings, Bookmarks                 key.Binding
}

func kb(keys []string, k, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
}

var keys = keyMap{
	Up:        kb([]string{"up", "k"}, "↑/k", "up"),
	Down:      kb([]string{"down", "j"}, "↓/j", "down"),
	PgUp:      kb([]string{"pgup", "ctrl+b"}, "pgup", "page up"),
	PgDown:    kb([]string{"pgdown", "ctrl+f", " "}, "pgdn/space", "page down"),
	Top:       kb([]string{"home", "g"}, "g", "top"),
	Bottom:    kb([]string{"end", "G"}, "G", "bottom"),
	PrevAddr:  kb([]string{"left", "h", "shift+tab"}, "←/h", "previous address"),
	NextAddr:  kb([]string{"right", "l", "tab"}, "→/l/tab", "next address"),
	Open:      kb([]string{"enter", "ctrl+j"}, "enter", "open line, or whatis"),
	Whatis:    kb([]string{"w"}, "w", "whatis the address"),
	Rd:        kb([]string{"x"}, "x", "rd: hex dump at address"),
	Refs:      kb([]string{"R"}, "R", "refs: who points here"),
	Back:      kb([]string{"backspace", "<"}, "bksp/<", "back"),
	Forward:   kb([]string{">"}, ">", "forward"),
	Cancel:    kb([]string{"esc"}, "esc", "cancel loading/check"),
	Command:   kb([]string{":"}, ":", "command (tab, ↑ history)"),
	Search:    kb([]string{"/"}, "/", "search"),
	NextMatch: kb([]string{"n"}, "n/N", "next/previous match"),
	Filter:    kb([]string{"f"}, "f", "filter lines"),
	Wrap:      kb([]string{"z"}, "z", "show the cursor line whole"),
	Level:     kb([]string{"L"}, "L", "log: cycle max level"),
	Mark:      kb([]string{"m"}, "m", "bookmark with a note"),
	Help:      kb([]string{"?"}, "?", "help"),
	Quit:      kb([]string{"q", "ctrl+c"}, "q", "quit"),
	ListNext:  kb([]string{"]"}, "]", "list: next entry"),
	ListPrev:  kb([]string{"["}, "[", "list: previous entry"),
	ListRun:   kb([]string{"}"}, "}", "list: on to next problem"),
	Check:     kb([]string{"c"}, "c", "check this cache / all"),
	Summary:   kb([]string{"1"}, "1", "summary"),
	Log:       kb([]string{"2"}, "2", "log"),
	Ps:        kb([]string{"3"}, "3", "ps"),
	Bt:        kb([]string{"4"}, "4", "bt"),
	Mod:       kb([]string{"5"}, "5", "mod"),
	Kmem:      kb([]string{"6"}, "6", "kmem -s"),
	Findings:  kb([]string{"7"}, "7", "findings"),
	Bookmarks: kb([]string{"8"}, "8", "bookmarks"),
}

// viewKeys are the jump keys and the commands they run.
func viewKeys() []struct {
	b   key.Binding
	cmd string
} {
	return []struct {
		b   key.Binding
		cmd string
	}{{keys.Summary, "summary"}, {keys.Log, "log"}, {keys.Ps, "ps"}, {keys.Bt, "bt"},
		{keys.Mod, "mod"}, {keys.Kmem, "kmem -s"}, {keys.Findings, "findings"}, {keys.Bookmarks, "bookmarks"}}
}

// helpGroups are the bindings shown by `?` for a view: the common ones,
// then those only that view uses.
func helpGroups(view string) [][]key.Binding {
	k := keys
	groups := [][]key.Binding{
		{k.Up, k.Down, k.PgUp, k.PgDown, k.Top, k.Bottom, k.PrevAddr, k.NextAddr},
		{k.Open, k.Whatis, k.Rd, k.Refs, k.Mark, k.Back, k.Forward, k.Cancel},
		{k.Command, k.Search, k.NextMatch, k.Filter, k.Wrap, k.Help, k.Quit},
		{k.Summary, k.Log, k.Ps, k.Bt, k.Mod, k.Kmem, k.Findings, k.Bookmarks},
	}
	var own []key.Binding
	switch view {
	case "log":
		own = append(own, k.Level)
	case "list":
		own = append(own, k.ListNext, k.ListPrev, k.ListRun)
	}
	if view == "kmem -s" || view == "kmem -S" || view == "slab" || view == "findings" {
		own = append(own, k.Check)
	}
	if len(own) > 0 {
		groups = append(groups, own)
	}
	return groups
}
