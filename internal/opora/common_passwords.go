package opora

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"strings"
	"sync"
)

// commonPasswordsGz is the list of the most common breached passwords
// (common_passwords.NOTICE says where from): lower case, one a line.
//
//go:embed common_passwords.txt.gz
var commonPasswordsGz []byte

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	zr, err := gzip.NewReader(bytes.NewReader(commonPasswordsGz))
	if err != nil {
		panic("opora: common passwords: " + err.Error())
	}
	out := make(map[string]struct{}, 50000)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if w := sc.Text(); w != "" {
			out[w] = struct{}{}
		}
	}
	if err := sc.Err(); err != nil {
		panic("opora: common passwords: " + err.Error())
	}
	return out
})

// CommonPassword reports whether password is on the shipped list of the
// most common breached passwords, ignoring case and surrounding spaces.
func CommonPassword(password string) bool {
	_, ok := commonPasswords()[strings.ToLower(strings.TrimSpace(password))]
	return ok
}

// CommonPasswordCount is how many passwords the list holds.
func CommonPasswordCount() int { return len(commonPasswords()) }
