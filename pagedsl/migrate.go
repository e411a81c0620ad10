package pagedsl

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"time"
)

// LatestVersion is Appsmith's LATEST_DSL_VERSION: the version Migrate
// brings a page to.
const LatestVersion = 94

// JSError is an exception Appsmith's migration would throw on this input
// (a TypeError reading a property of null, a JSON.parse failure, ...).
// The route answers it with Appsmith's HTTP 500 envelope.
type JSError struct{ Msg string }

func (e *JSError) Error() string { return e.Msg }

// ErrInternal wraps a panic that is not a JSError: a bug in the port, not
// a behaviour of Appsmith's code.
var ErrInternal = errors.New("pagedsl: internal error")

// ErrNotPorted is returned (as a *NotPortedError) when the chain reaches a
// step not written yet.
var ErrNotPorted = errors.New("pagedsl: migration step not ported")

// NotPortedError names the first missing step the chain reached.
type NotPortedError struct{ Step int }

func (e *NotPortedError) Error() string {
	return fmt.Sprintf("%v: step %d (%d -> %d)", ErrNotPorted, e.Step, e.Step, e.Step+1)
}

// Is makes errors.Is(err, ErrNotPorted) hold.
func (e *NotPortedError) Is(target error) bool { return target == ErrNotPorted }

// throwf makes the running step throw, as JS code would; Migrate turns it
// into a *JSError.
func throwf(format string, args ...any) {
	panic(&JSError{Msg: "TypeError: " + fmt.Sprintf(format, args...)})
}

// throwPlain throws an error whose text is not a TypeError (JSON.parse's
// SyntaxError, for example).
func throwPlain(msg string) {
	panic(&JSError{Msg: msg})
}

// Options fixes the sources of nondeterminism, for tests.
type Options struct {
	// Rand generates the random widget ids and keys some steps create; nil
	// means a randomly seeded source.
	Rand *rand.Rand
	// Now is the clock step 76 reads; nil means time.Now.
	Now func() time.Time
	// NewPage is migrateDSL's second argument; the RTS route never sets it.
	NewPage bool
}

// migration is the state of one Migrate call.
type migration struct {
	rnd     *rand.Rand
	now     func() time.Time
	newPage bool
	// ran lists the versions whose step ran, in order.
	ran []int
}

const keyAlphabet = "1234567890abcdefghijklmnopqrstuvwxyz"

// reactKey is Appsmith's generateReactKey: 10 random characters from
// [0-9a-z], with an optional prefix.
func (m *migration) reactKey(prefix string) string {
	var b [10]byte
	for i := range b {
		b[i] = keyAlphabet[m.rnd.IntN(len(keyAlphabet))]
	}
	return prefix + string(b[:])
}

// nowMillis is Date.now().
func (m *migration) nowMillis() float64 {
	return float64(m.now().UnixMilli())
}

// Migrate runs Appsmith's migrateDSL(dsl) on a decoded page DSL: it
// mutates dsl in place as Appsmith does and returns the result. An input
// on which Appsmith's code throws gives a *JSError.
func Migrate(dsl any) (any, error) {
	return MigrateWith(dsl, Options{})
}

// MigrateWith is Migrate with fixed sources of nondeterminism.
func MigrateWith(dsl any, opts Options) (any, error) {
	out, _, err := run(dsl, opts)
	return out, err
}

// Steps runs the migration like MigrateWith and also reports the
// versions whose step ran (0 = the unversioned step), for `rts migrate`.
func Steps(dsl any, opts Options) (out any, ran []int, err error) {
	return run(dsl, opts)
}

func run(dsl any, opts Options) (out any, ran []int, err error) {
	m := &migration{rnd: opts.Rand, now: opts.Now, newPage: opts.NewPage}
	if m.rnd == nil {
		m.rnd = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if m.now == nil {
		m.now = time.Now
	}
	defer func() {
		if r := recover(); r != nil {
			out, ran = nil, m.ran
			switch e := r.(type) {
			case *JSError:
				err = e
			case notPorted:
				err = &NotPortedError{Step: int(e)}
			default:
				err = fmt.Errorf("%w: %v\n%s", ErrInternal, r, debug.Stack())
			}
		}
	}()
	root, ok := dsl.(*Object)
	if !ok {
		// Appsmith reads and sets properties of the body: null throws,
		// an array fails further down the chain (Appsmith's notes), and
		// a primitive ignores the assignments (the RTS bundle runs in
		// sloppy mode) and matches no version, so it comes back as it
		// is. The route never passes a primitive: its body parser
		// refuses them.
		switch dsl.(type) {
		case nil:
			throwf("Cannot read properties of null (reading 'version')")
		case *Array:
			throwf("the page DSL is an array, not a widget object")
		}
		return dsl, nil, nil
	}
	root = migrateRoot(m, root)
	return root, m.ran, nil
}

// notPorted is panicked by the runner for a nil table entry.
type notPorted int

// looseSteps are the versions whose check in migrateDSL uses == instead of
// ===, so a string version "78" matches.
var looseSteps = [LatestVersion]bool{78: true, 79: true, 82: true, 83: true}

func migrateRoot(m *migration, root *Object) *Object {
	if root.Get("version") == Undefined {
		root = runStep(m, 0, root)
	}
	// The version changes only when a step runs: it is read again then,
	// not for each of the 93 versions a step could start from.
	v := root.Get("version")
	for n := 1; n < len(steps); n++ {
		var match bool
		if looseSteps[n] {
			match = LooseEq(v, float64(n))
		} else {
			f, ok := v.(float64)
			match = ok && f == float64(n)
		}
		if match {
			root = runStep(m, n, root)
			root.Set("version", smallNumbers[n+1]) // float64(n+1), boxed once
			v = root.Get("version")
		}
	}
	return root
}

func runStep(m *migration, n int, root *Object) *Object {
	s := steps[n]
	if s == nil {
		panic(notPorted(n))
	}
	m.ran = append(m.ran, n)
	return s(m, root)
}
