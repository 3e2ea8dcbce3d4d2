// Command age-passphrase encrypts or decrypts stdin with a passphrase, with
// filippo.io/age's own scrypt recipient and identity and ASCII armor — what
// `age -p -a` does, but taking the passphrase from the environment (the
// age command reads it only from a terminal). The end-to-end tests use it
// to make the protected setup file they import and to open the one the app
// exports, with age's code rather than the app's.
//
//	AGE_PASSPHRASE=… age-passphrase encrypt <plain >file.age
//	AGE_PASSPHRASE=… age-passphrase decrypt <file.age >plain
//
// AGE_WORK_FACTOR (encrypt only) lowers scrypt's work factor from age's
// default (18) for quick tests.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"filippo.io/age"
	"filippo.io/age/armor"
)

func main() {
	workFactor := 0
	if v := os.Getenv("AGE_WORK_FACTOR"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 30 {
			fmt.Fprintln(os.Stderr, "age-passphrase: AGE_WORK_FACTOR must be 1…30")
			os.Exit(2)
		}
		workFactor = n
	}
	os.Exit(run(os.Args[1:], os.Getenv("AGE_PASSPHRASE"), workFactor, os.Stdin, os.Stdout, os.Stderr))
}

// run does the work; workFactor 0 keeps age's default.
func run(args []string, passphrase string, workFactor int, in io.Reader, out, errOut io.Writer) int {
	if len(args) != 1 || (args[0] != "encrypt" && args[0] != "decrypt") {
		fmt.Fprintln(errOut, "usage: AGE_PASSPHRASE=… age-passphrase encrypt|decrypt <in >out")
		return 2
	}
	if passphrase == "" {
		fmt.Fprintln(errOut, "age-passphrase: AGE_PASSPHRASE is empty")
		return 2
	}
	var err error
	if args[0] == "encrypt" {
		err = encrypt(passphrase, workFactor, in, out)
	} else {
		err = decrypt(passphrase, in, out)
	}
	if err != nil {
		fmt.Fprintln(errOut, "age-passphrase:", err)
		return 1
	}
	return 0
}

func encrypt(passphrase string, workFactor int, in io.Reader, out io.Writer) error {
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return err
	}
	if workFactor > 0 {
		r.SetWorkFactor(workFactor)
	}
	aw := armor.NewWriter(out)
	w, err := age.Encrypt(aw, r)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, in); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return aw.Close()
}

// decrypt reads armored or binary age files.
func decrypt(passphrase string, in io.Reader, out io.Writer) error {
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return err
	}
	br := bufio.NewReader(in)
	var src io.Reader = br
	if start, _ := br.Peek(len(armor.Header)); bytes.Equal(start, []byte(armor.Header)) {
		src = armor.NewReader(br)
	}
	r, err := age.Decrypt(src, id)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return errors.New("wrong passphrase, or not a passphrase-protected file")
		}
		return err
	}
	_, err = io.Copy(out, r)
	return err
}
