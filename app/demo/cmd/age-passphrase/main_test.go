package main

import (
	"bytes"
	"strings"
	"testing"

	"filippo.io/age"
)

func TestRoundTripAndRefusals(t *testing.T) {
	plain := []byte(`{"format":"outlook-connect-setup","version":1}`)
	var enc, errOut bytes.Buffer
	if rc := run([]string{"encrypt"}, "correct horse", 10, bytes.NewReader(plain), &enc, &errOut); rc != 0 {
		t.Fatalf("encrypt: %d %s", rc, errOut.String())
	}
	if !strings.HasPrefix(enc.String(), "-----BEGIN AGE ENCRYPTED FILE-----") || bytes.Contains(enc.Bytes(), plain) {
		t.Fatalf("not an armored age file:\n%s", enc.String())
	}

	var dec bytes.Buffer
	if rc := run([]string{"decrypt"}, "correct horse", 0, bytes.NewReader(enc.Bytes()), &dec, &errOut); rc != 0 || !bytes.Equal(dec.Bytes(), plain) {
		t.Fatalf("decrypt: %d %q %s", rc, dec.String(), errOut.String())
	}

	errOut.Reset()
	if rc := run([]string{"decrypt"}, "wrong horse", 0, bytes.NewReader(enc.Bytes()), &bytes.Buffer{}, &errOut); rc != 1 || !strings.Contains(errOut.String(), "wrong passphrase") {
		t.Errorf("wrong passphrase: %d %s", rc, errOut.String())
	}
	if rc := run([]string{"decrypt"}, "", 0, bytes.NewReader(enc.Bytes()), &bytes.Buffer{}, &bytes.Buffer{}); rc != 2 {
		t.Errorf("empty passphrase: %d", rc)
	}
	if rc := run([]string{"sign"}, "x", 0, nil, &bytes.Buffer{}, &bytes.Buffer{}); rc != 2 {
		t.Errorf("unknown command: %d", rc)
	}

	// A binary (unarmored) file, as `age -p` without -a writes.
	r, _ := age.NewScryptRecipient("binary pass")
	r.SetWorkFactor(10)
	var bin bytes.Buffer
	w, _ := age.Encrypt(&bin, r)
	_, _ = w.Write(plain)
	_ = w.Close()
	dec.Reset()
	if rc := run([]string{"decrypt"}, "binary pass", 0, &bin, &dec, &errOut); rc != 0 || !bytes.Equal(dec.Bytes(), plain) {
		t.Errorf("binary file: %d %q %s", rc, dec.String(), errOut.String())
	}
}
