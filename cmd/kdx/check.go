package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"

	"github.com/kdx-dev/kdx/kernel"
	"github.com/kdx-dev/kdx/slab"
)

func init() {
	register(command{name: "check", summary: "verify every slab cache (freelists, slab lists, counters, outliers) and named lists; exit 1 on findings", run: runCheck})
}

// multiFlag collects a repeated string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// refsPerFinding bounds the references attached to one finding.
const refsPerFinding = 16

type checkFlags struct {
	caches, lists     multiFlag
	noSuspect, noRefs bool
	noGlobalLists     bool
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs, df := newFlags("check", "Verify every slab cache and every global list head of the kernel and its modules (or only the caches named with --cache), and the lists named with --list SYM[:TYPE:MEMBER].\nExit status: 0 clean, 1 findings (corrupt or suspect), 2 error.", stderr)
	var cf checkFlags
	fs.Var(&cf.caches, "cache", "verify only this cache (repeatable)")
	fs.Var(&cf.lists, "list", "also walk this list: SYM or ADDR, optionally :TYPE:MEMBER (repeatable)")
	fs.BoolVar(&cf.noSuspect, "no-suspect", false, "skip the outlier scan of allocated objects")
	fs.BoolVar(&cf.noRefs, "no-refs", false, "do not search memory for references to each finding")
	fs.BoolVar(&cf.noGlobalLists, "no-global-lists", false, "do not walk the global list heads (walked unless --cache is given)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return fail(stderr, "check", err)
	}
	k, err := openKernel(pos, df)
	if err != nil {
		return fail(stderr, "check", err)
	}
	defer k.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := check(ctx, k, cf)
	if err != nil {
		return fail(stderr, "check", err)
	}
	if df.json {
		if st := jsonOut(stdout, stderr, "check", rep.json()); st != 0 {
			return st
		}
	} else {
		rep.print(stdout)
	}
	if rep.serious() {
		return 1
	}
	return 0
}

// checkReport is everything check found.
type checkReport struct {
	res      *slab.Result
	lists    int
	findings []kernel.Finding
}

func check(ctx context.Context, k *kernel.Kernel, cf checkFlags) (*checkReport, error) {
	s, err := slab.For(k)
	if err != nil {
		return nil, err
	}
	res, err := s.Check(ctx, slab.CheckOptions{Caches: cf.caches, Suspect: !cf.noSuspect})
	if err != nil {
		return nil, err
	}
	rep := &checkReport{res: res, findings: res.Findings}
	if len(cf.caches) == 0 && !cf.noGlobalLists {
		gl, err := k.CheckGlobalLists(ctx)
		if err != nil {
			return nil, err
		}
		rep.lists += gl.Lists
		rep.findings = append(rep.findings, gl.Findings...)
	}
	for _, spec := range cf.lists {
		fs, err := checkList(k, spec)
		if err != nil {
			return nil, err
		}
		rep.lists++
		rep.findings = append(rep.findings, fs...)
	}
	rep.findings = uniqueFindings(rep.findings) // --list may name a global list too
	if !cf.noRefs {
		if err := k.RefsTo(ctx, rep.findings, refsPerFinding, kernel.SearchOptions{}); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// uniqueFindings sorts fs and drops repeats of a kind at an address.
func uniqueFindings(fs []kernel.Finding) []kernel.Finding {
	kernel.SortFindings(fs)
	return slices.CompactFunc(fs, kernel.Finding.Same)
}

// checkList walks one --list SYM[:TYPE:MEMBER].
func checkList(k *kernel.Kernel, spec string) ([]kernel.Finding, error) {
	parts := strings.SplitN(spec, ":", 3)
	opt := kernel.ListOptions{Name: parts[0]}
	switch len(parts) {
	case 1:
	case 3:
		opt.Type, opt.Member = parts[1], parts[2]
	default:
		return nil, fmt.Errorf("--list %q: want SYM or SYM:TYPE:MEMBER", spec)
	}
	head, err := k.ListHead(parts[0])
	if err != nil {
		return nil, err
	}
	r, err := k.WalkList(head, opt)
	if err != nil {
		return nil, fmt.Errorf("--list %q: %w", spec, err)
	}
	return r.Findings, nil
}

func (r *checkReport) serious() bool {
	for _, f := range r.findings {
		if f.Severity != kernel.Warning {
			return true
		}
	}
	return false
}

func (r *checkReport) json() any {
	out := struct {
		Findings []kernel.FindingJSON `json:"findings"`
		Caches   int                  `json:"caches"`
		Slabs    int                  `json:"slabs"`
		Objects  uint64               `json:"objects"`
		Lists    int                  `json:"lists"`
	}{Findings: []kernel.FindingJSON{}, Caches: r.res.Caches, Slabs: r.res.Slabs, Objects: r.res.Objects, Lists: r.lists}
	for _, f := range r.findings {
		out.Findings = append(out.Findings, f.JSON())
	}
	return out
}

func (r *checkReport) print(w io.Writer) {
	n := map[kernel.Severity]int{}
	for _, f := range r.findings {
		n[f.Severity]++
	}
	fmt.Fprintf(w, "checked %d caches, %d slabs, %d objects, %d lists: %d corrupt, %d suspect, %d warnings\n",
		r.res.Caches, r.res.Slabs, r.res.Objects, r.lists, n[kernel.Corrupt], n[kernel.Suspect], n[kernel.Warning])
	for _, f := range r.findings {
		printFinding(w, f)
	}
}

func printFinding(w io.Writer, f kernel.Finding) {
	fmt.Fprintf(w, "\n%s %s at %s", strings.ToUpper(f.Severity.String()), f.Kind, hexAddr(f.Addr))
	if f.Cache != "" {
		fmt.Fprintf(w, "  cache %s", f.Cache)
	}
	if f.Slab != 0 {
		fmt.Fprintf(w, "  slab %s", hexAddr(f.Slab))
	}
	if f.Object != 0 {
		fmt.Fprintf(w, "  object %s", hexAddr(f.Object))
	}
	fmt.Fprintln(w)
	for _, l := range [][2]string{{"expected", f.Expected}, {"found", f.Found}, {"path", f.Path}} {
		if l[1] != "" {
			fmt.Fprintf(w, "  %-9s %s\n", l[0]+":", kernel.Sanitize(l[1], false))
		}
	}
	for i, ref := range f.Refs {
		label := ""
		if i == 0 {
			label = "refs:"
		}
		fmt.Fprintf(w, "  %-9s %s -> %s  %s\n", label, hexAddr(ref.Addr), hexAddr(ref.Value), ref.What)
	}
}
