package storetest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/headroom-go/headroom/ccr"
)

// childEnv carries the storage location to the re-executed test binary. Its
// presence is what turns the child test from a skip into the child role.
const childEnv = "HEADROOM_STORETEST_CHILD_LOCATION"

const (
	parentKey     = "parent-before-child"
	childDoneKey  = "child-done"
	crossWrites   = 100
	parentPayload = "written by the parent process\x00\xff"
)

// CrossProcess checks that two operating-system processes can share one
// store: the parent (this test) and a child that re-executes the test binary
// running only childTest, which must call RunChild. Both write concurrently,
// then each reads what the other wrote. open opens a handle on the storage
// named by location (a file path, a URL), which both processes pass in.
func CrossProcess(t *testing.T, childTest, location string, open func(t *testing.T, location string) ccr.Store) {
	s := open(t, location)
	mustPut(t, s, parentKey, []byte(parentPayload))

	cmd := exec.Command(os.Args[0], "-test.run=^"+childTest+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+location)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	var wg sync.WaitGroup
	var putErr error
	wg.Go(func() {
		for i := range crossWrites {
			if err := s.Put(bg, fmt.Sprintf("parent-%d", i), []byte(fmt.Sprint("p", i))); err != nil {
				putErr = err
				return
			}
		}
	})
	waitErr := cmd.Wait()
	wg.Wait()
	if waitErr != nil {
		t.Fatalf("child process failed: %v\n%s", waitErr, out.Bytes())
	}
	if !bytes.Contains(out.Bytes(), []byte("--- PASS: "+childTest)) {
		t.Fatalf("child process did not run %s:\n%s", childTest, out.Bytes())
	}
	if putErr != nil {
		t.Fatalf("parent Put while the child wrote: %v", putErr)
	}
	for i := range crossWrites {
		mustGet(t, s, fmt.Sprintf("child-%d", i), []byte(fmt.Sprint("c", i)))
	}
	mustGet(t, s, childDoneKey, []byte("ok"))
}

// RunChild is the body of the child test named in CrossProcess. Outside a
// CrossProcess run it skips.
func RunChild(t *testing.T, open func(t *testing.T, location string) ccr.Store) {
	location := os.Getenv(childEnv)
	if location == "" {
		t.Skip("helper for a cross-process test; runs only when re-executed by storetest.CrossProcess")
	}
	s := open(t, location)
	mustGet(t, s, parentKey, []byte(parentPayload))
	deadline := time.Now().Add(30 * time.Second)
	for i := range crossWrites {
		if time.Now().After(deadline) {
			t.Fatal("child writes took longer than 30s")
		}
		mustPut(t, s, fmt.Sprintf("child-%d", i), []byte(fmt.Sprint("c", i)))
	}
	mustPut(t, s, childDoneKey, []byte("ok"))
}
