package bcrypt_test

import (
	"strings"
	"testing"

	"github.com/scanpay/scanpay/adapters/bcrypt"
)

func TestHashMatches(t *testing.T) {
	h := bcrypt.New(bcrypt.MinCost)
	hash, err := h.Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(hash, "correct horse") || !strings.HasPrefix(hash, "$2a$04$") {
		t.Fatalf("hash %q", hash)
	}
	if !h.Matches(hash, "correct horse") {
		t.Error("right password does not match")
	}
	for _, wrong := range []string{"correct hors", "Correct horse", "", "correct horse "} {
		if h.Matches(hash, wrong) {
			t.Errorf("%q matches", wrong)
		}
	}
	if h.Matches("not-a-bcrypt-hash", "correct horse") {
		t.Error("a malformed hash matched")
	}
	again, _ := h.Hash("correct horse")
	if again == hash {
		t.Error("two hashes of one password are equal: no salt")
	}
}

func TestDefaultCost(t *testing.T) {
	hash, err := bcrypt.New(0).Hash("correct horse")
	if err != nil || !strings.HasPrefix(hash, "$2a$10$") {
		t.Fatalf("hash %q err %v, want cost 10", hash, err)
	}
}
