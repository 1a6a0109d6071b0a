// Package kdumptest writes crash dump files — kdump-compressed,
// makedumpfile's flattened stream and ELF cores — for vmcore's unit tests
// and fuzz seeds, and for the kdumpreencode tool. It writes only what a
// reader must understand (headers, bitmaps, descriptors, notes); the
// layouts follow makedumpfile's IMPLEMENTATION document.
//
// It does not import vmcore, so vmcore's own tests can use it.
package kdumptest
