package kernel

import "testing"

func TestSanitize(t *testing.T) {
	cases := []struct {
		in     string
		keepNL bool
		want   string
	}{
		{"swapper/0", false, "swapper/0"},
		{"a\x1b[31mred", false, `a\x1b[31mred`},
		{"bell\a", false, `bell\x07`},
		{"two\nlines", false, `two\x0alines`},
		{"two\nlines", true, "two\nlines"},
		{"tab\there", false, "tab\there"},
		{"bad\xffutf8", false, `bad\xffutf8`},
		{"c1\u009bcsi", false, `c1\x9bcsi`},
		{"del\x7f", false, `del\x7f`},
		{`back\slash`, false, `back\\slash`},
		{"héllo", false, "héllo"},
	}
	for _, c := range cases {
		if got := Sanitize(c.in, c.keepNL); got != c.want {
			t.Errorf("Sanitize(%q, %v) = %q, want %q", c.in, c.keepNL, got, c.want)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	f.Add("a\x1b]0;title\x07b")
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s, false)
		for i := 0; i < len(out); i++ {
			if c := out[i]; c < 0x20 && c != '\t' || c == 0x7f {
				t.Fatalf("Sanitize(%q) left control byte %#x in %q", s, c, out)
			}
		}
	})
}
