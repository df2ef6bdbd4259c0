package auth

import "testing"

// BenchmarkHashDefault measures one login's hashing cost with the production parameters.
func BenchmarkHashDefault(b *testing.B) {
	saved := params
	params = DefaultParams
	defer func() { params = saved }()
	for b.Loop() {
		if _, err := Hash("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
