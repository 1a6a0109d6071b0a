package kdumptest

import (
	"encoding/binary"
	"math/rand/v2"
)

// Record is one flattened-format record: Data belongs at Off of the
// reassembled file.
type Record struct {
	Off  int64
	Data []byte
}

// Flatten cuts a kdump file into records of at most recSize bytes, in file
// order.
func Flatten(file []byte, recSize int) []Record {
	var recs []Record
	for off := 0; off < len(file); off += recSize {
		recs = append(recs, Record{int64(off), file[off:min(off+recSize, len(file))]})
	}
	return recs
}

// Shuffle permutes records deterministically (as QEMU's interleaved
// descriptor and data writes do, the reader must sort them).
func Shuffle(recs []Record, seed uint64) {
	r := rand.New(rand.NewPCG(seed, seed))
	r.Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
}

// FlatBytes writes makedumpfile's flattened stream: the 4096-byte header
// ("makedumpfile", type 1, version 1, big-endian), the records, and the
// end marker (offset and size -1).
func FlatBytes(recs []Record) []byte {
	be := binary.BigEndian
	out := make([]byte, 4096)
	copy(out, "makedumpfile")
	be.PutUint64(out[16:], 1)
	be.PutUint64(out[24:], 1)
	var h [16]byte
	for _, r := range recs {
		be.PutUint64(h[0:], uint64(r.Off))
		be.PutUint64(h[8:], uint64(len(r.Data)))
		out = append(out, h[:]...)
		out = append(out, r.Data...)
	}
	be.PutUint64(h[0:], ^uint64(0))
	be.PutUint64(h[8:], ^uint64(0))
	return append(out, h[:]...)
}
