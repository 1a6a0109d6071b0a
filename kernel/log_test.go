package kernel

import (
	"strings"
	"testing"
)

func TestLogHoldsGroundTruth(t *testing.T) {
	cases := []struct{ scenario, format string }{
		{"clean", "elf"}, {"clean", "kdump-zlib"}, {"clean", "kdump-c31"},
		{"panic", "kdump-c31"}, {"panic", "proc-vmcore.elf"},
	}
	for _, c := range cases {
		t.Run(c.scenario+"/"+c.format, func(t *testing.T) {
			k := openFixture(t, c.scenario, c.format)
			lg, err := k.Log()
			if err != nil {
				t.Fatal(err)
			}
			if len(lg.Records) < 100 {
				t.Fatalf("only %d records", len(lg.Records))
			}
			if !strings.HasPrefix(lg.Records[0].Text, "Linux version 6.1") {
				t.Errorf("first record %q, want the Linux version banner", lg.Records[0].Text)
			}
			for i := 1; i < len(lg.Records); i++ {
				if lg.Records[i].Seq != lg.Records[i-1].Seq+1 {
					t.Fatalf("seq gap at record %d: %d after %d", i, lg.Records[i].Seq, lg.Records[i-1].Seq)
				}
			}
			truth := 0
			for _, r := range lg.Records {
				if strings.HasPrefix(r.Text, "kdxplant: TRUTH {") {
					truth++
				}
			}
			if truth < 5 {
				t.Errorf("%d ground-truth lines in the log, want the module's facts", truth)
			}
			msg := lg.PanicMessage()
			if c.scenario == "panic" && msg != "Fatal exception" {
				t.Errorf("panic message %q, want %q", msg, "Fatal exception")
			}
			if c.format == "elf" && msg != "" {
				t.Errorf("live dump has panic message %q", msg)
			}
		})
	}
}

func TestRingText(t *testing.T) {
	data := make([]byte, 64)
	copy(data[8:], "hello")   // block at 0: id word, then text
	copy(data[40+8:], "wrap") // (unused)
	r := &ring{data: data, L: &ringLayout{blockHdr: 8}}
	cases := []struct {
		begin, next, n uint64
		want, why      string
	}{
		{0, 16, 5, "hello", ""},
		{64 + 0, 64 + 16, 5, "hello", ""},     // second lap, same place
		{56, 64 + 16, 5, "hello", ""},         // would cross the end: stored at 0
		{1, 3, 0, "", ""},                     // data-less
		{0, 200, 5, "", "bad text block"},     // spans more than a lap
		{0, 4, 5, "", "bad text block"},       // shorter than the id word
		{0, 16, 100, "hello\x00\x00\x00", ""}, // text_len larger than the block
	}
	for _, c := range cases {
		got, why := r.text(c.begin, c.next, c.n)
		if got != c.want || !strings.HasPrefix(why, c.why) {
			t.Errorf("text(%d,%d,%d) = %q,%q want %q,%q", c.begin, c.next, c.n, got, why, c.want, c.why)
		}
	}
}
