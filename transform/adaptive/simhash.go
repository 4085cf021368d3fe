package adaptive

import (
	"crypto/md5"
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// simhasher computes SimHashes, remembering the hash of every 4-gram and of
// every whole text it has seen: log lines and JSON items repeat both
// (timestamps, level words, keys, identical lines), and MD5 dominates the
// sizer's cost otherwise.
type simhasher struct {
	short map[uint64]uint64 // grams of at most four bytes, packed
	grams map[string]uint64 // longer (non-ASCII) grams
	texts map[string]uint64
}

func newSimhasher(items int) *simhasher {
	return &simhasher{
		short: make(map[uint64]uint64, 8*items),
		grams: make(map[string]uint64),
		texts: make(map[string]uint64, items),
	}
}

// spread[b] has byte i set to bit i of b, so adding spread values counts
// eight bit positions at once in eight byte-wide lanes.
var spread = func() (t [256]uint64) {
	for b := range t {
		for i := 0; i < 8; i++ {
			t[b] |= uint64(b>>i&1) << (8 * i)
		}
	}
	return t
}()

// laneMax is how many grams the byte lanes can count before they must be
// flushed.
const laneMax = 255

// simhash is a 64-bit SimHash over the character 4-grams of an already
// lowercased text (one gram, the whole text, when it has at most four
// characters): each gram votes with the first eight bytes of its MD5 read
// big-endian, +1 for a set bit and -1 for a clear one, and a bit of the
// result is set when its vote is positive, i.e. when more than half the
// grams set it.
func (sh *simhasher) simhash(lower string) uint64 {
	if fp, ok := sh.texts[lower]; ok {
		return fp
	}
	var starts [5]int   // byte offsets of a sliding window of rune starts
	var lanes [8]uint64 // lanes[k] byte i counts bit 8k+i since the last flush
	var ones [64]int    // flushed counts per bit
	nchars := utf8.RuneCountInString(lower)
	grams := 1
	if nchars > 3 {
		grams = nchars - 3
	}
	off := 0
	for w := range starts {
		starts[w] = off
		if off < len(lower) {
			_, size := utf8.DecodeRuneInString(lower[off:])
			off += size
		}
	}
	flush := func() {
		for k, l := range lanes {
			for i := 0; i < 8; i++ {
				ones[8*k+i] += int(l >> (8 * i) & 0xff)
			}
			lanes[k] = 0
		}
	}
	for g := 0; g < grams; g++ {
		h := sh.gramHash(lower[starts[0]:starts[4]])
		for k := range lanes {
			lanes[k] += spread[byte(h>>(8*k))]
		}
		if g%laneMax == laneMax-1 {
			flush()
		}
		copy(starts[:], starts[1:])
		starts[4] = off
		if off < len(lower) {
			_, size := utf8.DecodeRuneInString(lower[off:])
			off += size
		}
	}
	flush()
	var fp uint64
	for j, n := range ones {
		if 2*n > grams {
			fp |= 1 << j
		}
	}
	sh.texts[lower] = fp
	return fp
}

// gramHash is the first eight bytes of the gram's MD5, big-endian.
func (sh *simhasher) gramHash(gram string) uint64 {
	if len(gram) <= 4 {
		// Length above the packed bytes, so grams of different lengths
		// never share a key.
		k := uint64(len(gram)) << 32
		for i := 0; i < len(gram); i++ {
			k |= uint64(gram[i]) << (8 * i)
		}
		if h, ok := sh.short[k]; ok {
			return h
		}
		h := md5Prefix(gram)
		sh.short[k] = h
		return h
	}
	if h, ok := sh.grams[gram]; ok {
		return h
	}
	h := md5Prefix(gram)
	sh.grams[gram] = h
	return h
}

func md5Prefix(s string) uint64 {
	sum := md5.Sum([]byte(s))
	return binary.BigEndian.Uint64(sum[:8])
}

// countUniqueSimhash clusters items greedily in order: an item joins the
// first representative within simhashThreshold bits, else starts a
// cluster. Only the number of clusters matters, so an item merely needs to
// know whether any representative is that close.
func countUniqueSimhash(lowered []string) int {
	sh := newSimhasher(len(lowered))
	var reps nearIndex
	n := 0
	for _, s := range lowered {
		fp := sh.simhash(s)
		if !reps.near(fp) {
			reps.add(fp)
			n++
		}
	}
	return n
}

// nearIndex answers "is any stored fingerprint within simhashThreshold
// bits of fp" without comparing against every one: split into
// simhashThreshold+1 blocks, two fingerprints that close agree exactly on
// at least one block (pigeonhole), so only fingerprints sharing a block
// value are compared.
type nearIndex struct {
	blocks [simhashThreshold + 1]map[uint16][]uint64
}

const blockBits = 64 / (simhashThreshold + 1)

func (x *nearIndex) near(fp uint64) bool {
	for b, m := range x.blocks {
		for _, r := range m[uint16(fp>>(blockBits*b))] {
			if bits.OnesCount64(fp^r) <= simhashThreshold {
				return true
			}
		}
	}
	return false
}

func (x *nearIndex) add(fp uint64) {
	for b := range x.blocks {
		if x.blocks[b] == nil {
			x.blocks[b] = make(map[uint16][]uint64)
		}
		k := uint16(fp >> (blockBits * b))
		x.blocks[b][k] = append(x.blocks[b][k], fp)
	}
}
