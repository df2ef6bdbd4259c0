package opora

import "testing"

func TestCommonPasswordRefused(t *testing.T) {
	if n := CommonPasswordCount(); n < 40000 {
		t.Fatalf("the common-password list holds %d passwords", n)
	}
	for pw, want := range map[string]bool{
		"qwerty123456": true, "Qwerty123456": true, " 1q2w3e4r5t6y ": true, "password": true,
		"correct horse battery staple": false, "pale ferry lantern moss": false,
	} {
		if got := CommonPassword(pw); got != want {
			t.Errorf("CommonPassword(%q) = %v", pw, got)
		}
	}
	var v Validation
	ValidatePassword(&v, "password", "Qwerty123456", "Qwerty123456", "maria")
	if FieldErrors(v.Err())["password"] != "error.password_common" {
		t.Errorf("ValidatePassword: %v", FieldErrors(v.Err()))
	}
}
