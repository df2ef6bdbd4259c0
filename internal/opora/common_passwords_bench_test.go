package opora

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"testing"
)

// BenchmarkCommonPasswordsLoad measures the one-time cost of reading the
// embedded list (the first password check after start pays it).
func BenchmarkCommonPasswordsLoad(b *testing.B) {
	for b.Loop() {
		zr, _ := gzip.NewReader(bytes.NewReader(commonPasswordsGz))
		m := make(map[string]struct{}, 50000)
		sc := bufio.NewScanner(zr)
		for sc.Scan() {
			m[sc.Text()] = struct{}{}
		}
	}
}

// BenchmarkCommonPasswordCheck measures one check once the list is loaded.
func BenchmarkCommonPasswordCheck(b *testing.B) {
	CommonPassword("warm up")
	for b.Loop() {
		CommonPassword("Pale Ferry Lantern Moss")
	}
}
