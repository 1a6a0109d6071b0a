package main

import (
	"fmt"
	"io"

	"github.com/kdx-dev/kdx/kernel"
)

func init() {
	register(command{name: "list", summary: "walk a list_head (or hlist) validating every link, like crash's list -H", run: runList})
}

func runList(args []string, stdout, stderr io.Writer) int {
	fs, df := newFlags("list", "Walk a list from its head (symbol or address), checking next->prev, cycles and poison.\nExit status: 0 sound, 1 findings, 2 error.", stderr)
	head := fs.String("head", "", "the list head: symbol or hex address (required)")
	typ := fs.String("type", "", "the entries' type, e.g. \"struct kdx_node\"")
	member := fs.String("member", "", "the list_head member of --type")
	hlist := fs.Bool("hlist", false, "the head is a struct hlist_head")
	max := fs.Int("max", 0, "stop after this many entries")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return fail(stderr, "list", err)
	}
	if *head == "" || (*typ == "") != (*member == "") {
		fmt.Fprintln(stderr, "kdx list: --head is required; --type and --member go together")
		return 2
	}
	k, err := openKernel(pos, df)
	if err != nil {
		return fail(stderr, "list", err)
	}
	defer k.Close()
	h, err := k.ListHead(*head)
	if err != nil {
		return fail(stderr, "list", err)
	}
	r, err := k.WalkList(h, kernel.ListOptions{Type: *typ, Member: *member, Hlist: *hlist, Max: *max, Name: *head})
	if err != nil {
		return fail(stderr, "list", err)
	}
	if df.json {
		if st := jsonOut(stdout, stderr, "list", listJSON(r)); st != 0 {
			return st
		}
	} else {
		printList(stdout, r, *typ != "")
	}
	for _, f := range r.Findings {
		if f.Severity != kernel.Warning {
			return 1
		}
	}
	return 0
}

func listJSON(r *kernel.ListResult) any {
	type entry struct {
		Index int    `json:"index"`
		Node  string `json:"node"`
		Entry string `json:"entry"`
		Next  string `json:"next"`
		Prev  string `json:"prev"`
	}
	out := struct {
		Head     string               `json:"head"`
		Count    int                  `json:"count"`
		Complete bool                 `json:"complete"`
		Entries  []entry              `json:"entries"`
		Findings []kernel.FindingJSON `json:"findings"`
	}{Head: hexAddr(r.Head), Count: len(r.Entries), Complete: r.Complete, Entries: []entry{}, Findings: []kernel.FindingJSON{}}
	for _, e := range r.Entries {
		out.Entries = append(out.Entries, entry{e.Index, hexAddr(e.Node), hexAddr(e.Entry), hexAddr(e.Next), hexAddr(e.Prev)})
	}
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, f.JSON())
	}
	return out
}

func printList(w io.Writer, r *kernel.ListResult, typed bool) {
	for _, e := range r.Entries {
		if typed {
			fmt.Fprintf(w, "%6d  %s  (node %s)\n", e.Index, hexAddr(e.Entry), hexAddr(e.Node))
		} else {
			fmt.Fprintf(w, "%6d  %s\n", e.Index, hexAddr(e.Node))
		}
	}
	state := "back at the head"
	if !r.Complete {
		state = "NOT back at the head"
	}
	fmt.Fprintf(w, "%d entries, %s, %d findings\n", len(r.Entries), state, len(r.Findings))
	for _, f := range r.Findings {
		printFinding(w, f)
	}
}
