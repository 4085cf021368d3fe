package storetest

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/headroom-go/headroom/ccr"
)

// BenchSizes are the payload sizes Bench measures: a typical compressed
// tool result, a large one, and a whole file read.
var BenchSizes = []int{1 << 10, 64 << 10, 1 << 20}

// Clients is the number of concurrent callers in the Parallel benchmarks,
// standing for proxy request goroutines (or proxies) sharing one store.
const Clients = 16

// Bench runs the per-backend benchmarks on s: Put and Get ns/op for each
// payload size, and Put/Get throughput with Clients concurrent callers,
// reported as ops/s.
func Bench(b *testing.B, s ccr.Store) {
	ctx := context.Background()
	for _, size := range BenchSizes {
		payload := make([]byte, size)
		for i := range payload {
			payload[i] = byte('a' + i%26)
		}
		b.Run(fmt.Sprintf("Put/%s", sizeName(size)), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size))
			keys := benchKeys(1024)
			i := 0
			for b.Loop() {
				if err := s.Put(ctx, keys[i%len(keys)], payload); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(fmt.Sprintf("Get/%s", sizeName(size)), func(b *testing.B) {
			key := ccr.ComputeKey(payload)
			if err := s.Put(ctx, key, payload); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := s.Get(ctx, key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run(fmt.Sprintf("Parallel%d/GetPut1KiB", Clients), func(b *testing.B) {
		payload := make([]byte, 1<<10)
		keys := benchKeys(256)
		for _, k := range keys {
			if err := s.Put(ctx, k, payload); err != nil {
				b.Fatal(err)
			}
		}
		// RunParallel starts parallelism×GOMAXPROCS goroutines.
		b.SetParallelism((Clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		var next atomic.Uint64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				n := next.Add(1)
				k := keys[n%uint64(len(keys))]
				var err error
				if n%4 == 0 { // one write per three reads
					err = s.Put(ctx, k, payload)
				} else {
					_, err = s.Get(ctx, k)
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	})
}

func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = ccr.ComputeKey([]byte(fmt.Sprint("bench key ", i)))
	}
	return keys
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%dMiB", n>>20)
	}
	return fmt.Sprintf("%dKiB", n>>10)
}
