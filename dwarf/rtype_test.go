package dwarf

import (
	"strings"
	"testing"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// kernelTypes lists every kernel type, field and variable kdx reads, with
// the kind it must have in the fixture vmlinux. Append a row when code
// starts reading something new; TestKernelTypes fails when the fixture
// kernel lacks it.
//
// Type is "struct x", "union x", "enum x", a typedef, or "var name" for a
// global variable. Field is a dotted path ("" for the type itself);
// alternatives separated by "|" pass if any exists (kernel-version
// differences kdx probes for). Kind is what the field's type resolves to
// through typedefs and qualifiers: struct, union, enum, pointer, array,
// int (integer, char, bool), bitfield, func.
var kernelTypes = []struct{ Type, Field, Kind string }{
	// utsname: the release shown in every header
	{"var init_uts_ns", "name.release", "array"},
	{"var init_uts_ns", "name.nodename", "array"},
	{"var init_uts_ns", "name.machine", "array"},
	{"var init_uts_ns", "name.version", "array"},
	{"var linux_banner", "", "array"},
	{"var tainted_mask", "", "int"},

	// lists
	{"struct list_head", "next", "pointer"},
	{"struct list_head", "prev", "pointer"},
	{"struct hlist_head", "first", "pointer"},
	{"struct hlist_node", "next", "pointer"},
	{"struct hlist_node", "pprev", "pointer"},

	// SLUB
	{"var slab_caches", "", "struct"},
	{"struct kmem_cache", "name", "pointer"},
	{"struct kmem_cache", "list", "struct"},
	{"struct kmem_cache", "size", "int"},
	{"struct kmem_cache", "object_size", "int"},
	{"struct kmem_cache", "offset", "int"},
	{"struct kmem_cache", "oo", "struct"},
	{"struct kmem_cache", "oo.x", "int"},
	{"struct kmem_cache", "min", "struct"},
	{"struct kmem_cache", "cpu_slab", "pointer"},
	{"struct kmem_cache", "node", "array"},
	{"struct kmem_cache", "random", "int"},
	{"struct kmem_cache", "red_left_pad", "int"},
	{"struct kmem_cache", "inuse", "int"},
	{"struct kmem_cache", "align", "int"},
	{"struct kmem_cache", "flags", "int"},
	{"struct kmem_cache", "refcount", "int"},
	{"struct kmem_cache_cpu", "freelist", "pointer"},
	{"struct kmem_cache_cpu", "tid", "int"},
	{"struct kmem_cache_cpu", "slab", "pointer"},
	{"struct kmem_cache_cpu", "partial", "pointer"},
	{"struct kmem_cache_node", "list_lock", "struct"},
	{"struct kmem_cache_node", "nr_partial", "int"},
	{"struct kmem_cache_node", "partial", "struct"},
	{"struct kmem_cache_node", "nr_slabs", "struct"},
	{"struct kmem_cache_node", "total_objects", "struct"},
	{"struct slab", "__page_flags", "int"},
	{"struct slab", "slab_cache", "pointer"},
	{"struct slab", "slab_list", "struct"},
	{"struct slab", "next", "pointer"},
	{"struct slab", "slabs", "int"},
	{"struct slab", "freelist", "pointer"},
	{"struct slab", "counters", "int"},
	{"struct slab", "inuse", "bitfield"},
	{"struct slab", "objects", "bitfield"},
	{"struct slab", "frozen", "bitfield"},
	{"struct slab", "__page_refcount", "struct"},
	{"struct page", "flags", "int"},
	{"struct page", "compound_head", "int"},
	{"struct page", "lru", "struct"},
	{"struct page", "mapping", "pointer"},
	{"struct page", "_refcount", "struct"},
	{"enum pageflags", "", "enum"},

	// tasks
	{"var init_task", "", "struct"},
	{"struct task_struct", "tasks", "struct"},
	{"struct task_struct", "pid", "int"},
	{"struct task_struct", "tgid", "int"},
	{"struct task_struct", "comm", "array"},
	{"struct task_struct", "__state", "int"},
	{"struct task_struct", "stack", "pointer"},
	{"struct task_struct", "thread.sp", "int"},
	{"struct task_struct", "real_parent", "pointer"},
	{"struct task_struct", "group_leader", "pointer"},
	{"struct task_struct", "thread_group|thread_node", "struct"},
	{"struct task_struct", "signal", "pointer"},
	{"struct task_struct", "thread_info.cpu|cpu", "int"},
	{"struct pid", "numbers", "array"},
	{"struct pid", "level", "int"},
	{"struct upid", "nr", "int"},
	{"struct upid", "ns", "pointer"},

	// per-CPU data and memory layout
	{"var runqueues", "", "struct"},
	{"var pcpu_hot|current_task", "", "struct|pointer"},
	{"var __per_cpu_offset", "", "array"},
	{"var page_offset_base", "", "int"},
	{"var vmemmap_base", "", "int"},
	{"var vmalloc_base", "", "int"},

	// modules
	{"var modules", "", "struct"},
	{"struct module", "list", "struct"},
	{"struct module", "name", "array"},
	{"struct module", "state", "enum"},
	{"struct module", "taints", "int"},
	{"struct module", "core_layout|mem", "struct|array"},
	{"struct module", "kallsyms", "pointer"},
	{"struct module", "sect_attrs", "pointer"},
	{"struct module_sect_attrs", "nsections", "int"},
	{"struct module_sect_attrs", "attrs", "array"},
	{"struct module_sect_attr", "battr.attr.name", "pointer"},
	{"struct module_sect_attr", "address", "int"},

	// printk ring buffer
	{"var prb", "", "pointer"},
	{"struct printk_ringbuffer", "desc_ring", "struct"},
	{"struct printk_ringbuffer", "text_data_ring", "struct"},
	{"struct prb_desc_ring", "count_bits", "int"},
	{"struct prb_desc_ring", "descs", "pointer"},
	{"struct prb_desc_ring", "infos", "pointer"},
	{"struct prb_desc_ring", "head_id", "struct"},
	{"struct prb_desc_ring", "tail_id", "struct"},
	{"struct prb_data_ring", "size_bits", "int"},
	{"struct prb_data_ring", "data", "pointer"},
	{"struct prb_data_ring", "head_lpos", "struct"},
	{"struct prb_data_ring", "tail_lpos", "struct"},
	{"struct prb_desc", "state_var", "struct"},
	{"struct prb_desc", "text_blk_lpos", "struct"},
	{"struct printk_info", "seq", "int"},
	{"struct printk_info", "ts_nsec", "int"},
	{"struct printk_info", "text_len", "int"},
	{"struct printk_info", "level", "bitfield"},
	{"struct printk_info", "caller_id", "int"},
}

func TestKernelTypes(t *testing.T) {
	b := openFixture(t)
	for _, row := range kernelTypes {
		name := row.Type + " " + row.Field
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			var errs []string
			for _, ty := range strings.Split(strings.TrimPrefix(row.Type, "var "), "|") {
				for _, f := range strings.Split(row.Field, "|") {
					kind, err := rtypeKind(b, strings.HasPrefix(row.Type, "var "), ty, f)
					if err == nil && kindMatches(kind, row.Kind) {
						return
					}
					if err == nil {
						err = errorString("is a " + kind + ", want " + row.Kind)
					}
					errs = append(errs, ty+" "+f+": "+err.Error())
				}
			}
			t.Errorf("%s", strings.Join(errs, "; "))
		})
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

func kindMatches(kind, want string) bool {
	for _, w := range strings.Split(want, "|") {
		if kind == w {
			return true
		}
	}
	return false
}

// rtypeKind resolves a type (or variable's type) and field path to the
// kind of the field.
func rtypeKind(b *Binary, isVar bool, name, field string) (string, error) {
	var t godwarf.Type
	var err error
	if isVar {
		_, t, err = b.Variable(name)
	} else {
		t, err = b.Type(name)
	}
	if err != nil {
		return "", err
	}
	if field == "" {
		return kindName(t, nil), nil
	}
	_, f, err := fieldPathOf(t, field)
	if err != nil {
		return "", err
	}
	return kindName(f.Type, f), nil
}

func kindName(t godwarf.Type, f *godwarf.StructField) string {
	if f != nil && f.BitSize > 0 {
		return "bitfield"
	}
	switch t := resolve(t).(type) {
	case *godwarf.StructType:
		return t.Kind
	case *godwarf.PtrType:
		return "pointer"
	case *godwarf.ArrayType:
		return "array"
	case *godwarf.EnumType:
		return "enum"
	case *godwarf.IntType, *godwarf.UintType, *godwarf.CharType, *godwarf.UcharType, *godwarf.BoolType:
		return "int"
	case *godwarf.FuncType:
		return "func"
	}
	return typeString(t)
}
