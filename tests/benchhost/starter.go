package benchhost

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
)

// shimTB lets a benchmark command use the harnesses, whose API takes a
// testing.TB, outside a test. Only the methods zkharness calls are implemented (the
// embedded nil testing.TB supplies the unexported method and would panic
// on anything else, which Starter turns into an error). Fatal stops the
// caller by panicking with a shimFatal, recovered by Starter.Do.
type shimTB struct {
	testing.TB
	name string
	log  io.Writer

	mu       sync.Mutex
	cleanups []func()
	failed   bool
}

type shimFatal struct{ msg string }

func (s *shimTB) Helper()      {}
func (s *shimTB) Name() string { return s.name }
func (s *shimTB) Failed() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.failed }

func (s *shimTB) Logf(format string, args ...any) {
	fmt.Fprintf(s.log, s.name+": "+format+"\n", args...)
}
func (s *shimTB) Log(args ...any) { fmt.Fprintln(s.log, append([]any{s.name + ":"}, args...)...) }

func (s *shimTB) Errorf(format string, args ...any) {
	s.mu.Lock()
	s.failed = true
	s.mu.Unlock()
	s.Logf(format, args...)
}

func (s *shimTB) Error(args ...any) { s.Errorf("%s", fmt.Sprint(args...)) }

func (s *shimTB) Fatalf(format string, args ...any) {
	s.mu.Lock()
	s.failed = true
	s.mu.Unlock()
	panic(shimFatal{fmt.Sprintf(format, args...)})
}

func (s *shimTB) Fatal(args ...any) { s.Fatalf("%s", fmt.Sprint(args...)) }
func (s *shimTB) FailNow()          { s.Fatalf("FailNow") }
func (s *shimTB) SkipNow()          { s.Fatalf("SkipNow") }

func (s *shimTB) Skipf(format string, args ...any) { s.Fatalf("skip: "+format, args...) }

func (s *shimTB) TempDir() string {
	d, err := os.MkdirTemp("", s.name+"-")
	if err != nil {
		s.Fatalf("TempDir: %v", err)
	}
	s.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func (s *shimTB) Cleanup(f func()) {
	s.mu.Lock()
	s.cleanups = append(s.cleanups, f)
	s.mu.Unlock()
}

// Starter starts servers outside a test; Close stops them and removes
// their directories.
type Starter struct{ tb *shimTB }

// NewStarter returns a Starter that logs to log, prefixed with name.
func NewStarter(name string, log io.Writer) *Starter {
	return &Starter{tb: &shimTB{name: name, log: log}}
}

// Do runs fn with a testing.TB backed by the Starter, turning a Fatal (or
// any panic) inside it into an error.
func (st *Starter) Do(fn func(t testing.TB)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(shimFatal); ok {
				err = errors.New(f.msg)
				return
			}
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	fn(st.tb)
	return nil
}

// Close runs the cleanups in reverse order: servers stop, directories go.
func (st *Starter) Close() {
	st.tb.mu.Lock()
	cs := st.tb.cleanups
	st.tb.cleanups = nil
	st.tb.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i]()
	}
}
