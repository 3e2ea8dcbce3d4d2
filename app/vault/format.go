package vault

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Storage format
//
// Every item lives under one keychain service name (Options.Service) and a
// user name that says what it is:
//
//	refresh-token:<account>   Microsoft refresh token of one account
//	ms-client-secret          Microsoft app registration client secret
//	recall-api-key            Recall API key
//	vault-check:<random>      short-lived canary written by Check
//
// <account> is the key app/connect gives (connect.AccountKey): the
// account's stable "<oid>.<tid>" from the id_token, or its email for a
// connection saved before ids were kept. It is lowercased, with "%" and
// "#" written as "%25" and "%23" so that a user name never contains "#"
// (see chunks below).
//
// A value that fits in one keychain item is stored directly:
//
//	ocvault1:value:<value>
//
// A larger value is split into chunks of at most chunkCapacity bytes,
// stored under "<user>#<gen>#<i>" (i = 0…n-1, gen = 16 random hex digits
// fresh for each write), followed by a manifest under <user>:
//
//	ocvault1:chunks:{"v":1,"gen":"…","n":3,"size":6100,"sha256":"…"}
//
// Write order: chunks, then the manifest, then the previous generation's
// chunks are deleted. A crash at any point leaves either the old manifest
// (pointing at old chunks that are still there) or the new one (pointing at
// chunks that were all written first): a read never assembles a value from
// two writes, and it checks the count, size and SHA-256 so that anything
// else is reported as damaged rather than returned. Deletes remove the
// chunks first and the manifest last, so an interrupted delete can be
// retried and still finds every chunk.
const (
	directPrefix   = "ocvault1:value:"
	manifestPrefix = "ocvault1:chunks:"
	manifestV      = 1

	userRefreshToken = "refresh-token:"
	userClientSecret = "ms-client-secret"
	userRecallAPIKey = "recall-api-key"
	userCheck        = "vault-check:"

	// maxChunks bounds a value at roughly 150 KB: far above any token or
	// key, low enough that a runaway value is refused rather than sprayed
	// across the keychain.
	maxChunks = 64
	// maxAccountLen is the longest email address (RFC 5321 path limit),
	// far more than an "<oid>.<tid>" key (73 bytes).
	maxAccountLen = 254
)

// Per-OS size limits (keyring.md §1.2, §1.3, §1.5). The policy is the
// smallest of them, so a value that works on the developer's Linux machine
// also works on the person's Windows or Mac.
const (
	// windowsMaxBlob is CRED_MAX_CREDENTIAL_BLOB_SIZE, checked by go-keyring
	// on the password's UTF-8 bytes (keyring.md §1.3).
	windowsMaxBlob = 2560
	// macMaxCommand caps the whole `security -i` input line
	// "add-generic-password -U -s <svc> -a <user> -w <pw>\n" (keyring.md §1.2).
	macMaxCommand = 4096
	// macFixedBytes is that line without its three arguments.
	macFixedBytes = len("add-generic-password -U -s ") + len(" -a ") + len(" -w ") + len("\n")
	// macValuePrefix is what go-keyring puts before the base64 of the value.
	macValuePrefix = len("go-keyring-base64:")
	// windowsMaxUserName is CRED_MAX_USERNAME_LENGTH: go-keyring puts the
	// user name in the credential's UserName (keyring.md §1.3; limit from
	// the CREDENTIALW page linked there).
	windowsMaxUserName = 513
	// safetyMargin keeps room for small changes in go-keyring's encoding.
	safetyMargin = 64
)

// shellUnsafe mirrors go-keyring's internal shellescape: any other byte
// makes it quote the argument.
var shellUnsafe = regexp.MustCompile(`[^\w@%+=:,./-]`)

// macQuotedLen is the length of shellescape.Quote(s).
func macQuotedLen(s string) int {
	if s == "" {
		return 2
	}
	if !shellUnsafe.MatchString(s) {
		return len(s)
	}
	return 2 + len(s) + 4*strings.Count(s, "'")
}

// itemCapacity is the most bytes one keychain item may hold for this
// service and user on every supported OS, after the safety margin and the
// caller's own limit (0 = none).
func itemCapacity(service, user string, limit int) int {
	// macOS: base64 turns every 3 bytes into 4 characters; the value itself
	// needs no quoting because base64 and the prefix are shell-safe.
	room := macMaxCommand - macFixedBytes - macQuotedLen(service) - macQuotedLen(user) - macValuePrefix
	capacity := min(windowsMaxBlob, max(room, 0)/4*3) - safetyMargin
	if limit > 0 {
		capacity = min(capacity, limit)
	}
	return max(capacity, 0)
}

// accountUser returns the user name of an account's refresh token.
func accountUser(account string) (string, error) {
	a := strings.ToLower(strings.TrimSpace(account))
	switch {
	case a == "":
		return "", fmt.Errorf("the account is empty")
	case len(a) > maxAccountLen:
		return "", fmt.Errorf("the account is longer than %d bytes", maxAccountLen)
	case strings.ContainsFunc(a, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "", fmt.Errorf("the account contains control characters")
	}
	user := userRefreshToken + strings.NewReplacer("%", "%25", "#", "%23").Replace(a)
	if len(chunkUser(user, newGeneration(), maxChunks-1)) > windowsMaxUserName {
		return "", fmt.Errorf("the account is too long once encoded")
	}
	return user, nil
}

func chunkUser(user, gen string, i int) string {
	return fmt.Sprintf("%s#%s#%d", user, gen, i)
}

// manifest describes a chunked value.
type manifest struct {
	V      int    `json:"v"`
	Gen    string `json:"gen"`
	N      int    `json:"n"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

var genPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

func (m manifest) validate() error {
	switch {
	case m.V != manifestV:
		return fmt.Errorf("unknown manifest version %d", m.V)
	case !genPattern.MatchString(m.Gen):
		return fmt.Errorf("malformed generation id")
	case m.N < 1 || m.N > maxChunks:
		return fmt.Errorf("chunk count %d out of range", m.N)
	case m.Size < 1:
		return fmt.Errorf("size %d out of range", m.Size)
	case len(m.SHA256) != sha256.Size*2:
		return fmt.Errorf("malformed checksum")
	}
	return nil
}

func (m manifest) encode() string {
	b, err := json.Marshal(m)
	if err != nil { // a struct of ints and strings always marshals
		panic(err)
	}
	return manifestPrefix + string(b)
}

// stored is a decoded keychain item at a base user name.
type stored struct {
	direct   bool
	value    string   // when direct
	manifest manifest // when chunked
}

// decodeStored parses an item written by this package. The error text is
// safe to show: it never includes the item's content.
func decodeStored(raw string) (stored, error) {
	switch {
	case strings.HasPrefix(raw, directPrefix):
		return stored{direct: true, value: raw[len(directPrefix):]}, nil
	case strings.HasPrefix(raw, manifestPrefix):
		var m manifest
		if err := json.Unmarshal([]byte(raw[len(manifestPrefix):]), &m); err != nil {
			return stored{}, fmt.Errorf("unreadable manifest")
		}
		if err := m.validate(); err != nil {
			return stored{}, err
		}
		return stored{manifest: m}, nil
	default:
		return stored{}, fmt.Errorf("item was not written by Outlook Connect's vault")
	}
}

func checksum(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:])
}

func newGeneration() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil { // crypto/rand.Read never fails on supported OSes
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// split cuts value into pieces of at most size bytes.
func split(value string, size int) []string {
	parts := make([]string, 0, (len(value)+size-1)/size)
	for len(value) > size {
		parts = append(parts, value[:size])
		value = value[size:]
	}
	return append(parts, value)
}
