// Command gen writes the synthetic texts of ../tiktoken_oracle.json as a JSON
// array; count.js then adds the counts of OpenAI's tiktoken:
//
//	go run gen.go > texts.json && node count.js texts.json > ../tiktoken_oracle.json
package main

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
)

func main() {
	texts := []string{
		"hello", "Hello, world!", "the quick brown fox jumps over the lazy dog",
		"<|endoftext|>", "a <|endofprompt|> b", "I'm you'RE they'LL WE'VE it'S I'd",
		"a\n \nb", "a\n \n \nb", "x  \n\t\n  \r\n y", "\n \n", " \n \n ", "   \n\n\t  x   ",
		"foo.\n \nbar", "end;\r\n\r\n  next", "12345678901234567890", "3.14159 2,718 1e-9",
		"Ünïcödé naïve café ﬁ ǅungla", "a\u0301\u0302b \u0301\u0301", "中文字符测试，日本語のテキスト、한국어 텍스트",
		"🚀✨👩‍👩‍👧‍👦🏳️‍🌈", "\u00a0\u3000\u2003x\u200b", "١٢٣٤٥ ½ ⅷ", "ſ's 'S 'ſ", "path/to/file.go:12:3\n/usr/bin/env",
		"def f(x):\n    return x\n\n\nclass A:\n    pass\n", "{\"a\": [1, 2, {\"b\": null}]}",
		strings.Repeat(" ", 300) + "x", strings.Repeat("\n", 200), strings.Repeat("ab", 400), strings.Repeat("🚀", 100),
		strings.Repeat("A", 500) + "bc", strings.Repeat("Zz", 300) + "'LL",
	}
	r := rand.New(rand.NewPCG(7, 11))
	gen := func(pool []rune, minN, maxN int) string {
		n := minN + r.IntN(maxN-minN+1)
		var sb strings.Builder
		for range n {
			sb.WriteRune(pool[r.IntN(len(pool))])
		}
		return sb.String()
	}
	mixed := []rune("aZ09 \n\t\r'sS,.!?-_/\\\"{}[]<>|éßçÅΩж中日한🚀\u0301\u200b\u00a0\u3000١٢٣½ǅ")
	space := []rune(" \t\n\r\u00a0\u3000x.é1'")
	letters := []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéüßжя中")
	for range 150 {
		texts = append(texts, gen(mixed, 1, 60))
	}
	for range 100 {
		texts = append(texts, gen(space, 1, 30))
	}
	for range 20 {
		texts = append(texts, gen(letters, 120, 1500))
	}
	// One rune of every class the split patterns tell apart (Lu, Ll, Lt,
	// Lm, Lo, Mn, Mc, Me, Nd, Nl, No, ASCII and other whitespace, CR, LF,
	// astral letters) and the characters they name literally, so that the
	// hand-written splitters are pinned to tiktoken itself at every class
	// boundary, not only to regexp2.
	classes := []rune("aZ\u01c5\u02b0\u4e2d\u0301\u0903\u20dd5\u0665\u00bd\u216b \t\n\r\u00a0\u3000\u2028\v'sS\u017ftTreEvmlLd/.-\U0001f680\u200d\U0001d400\U00010400\U00010428")
	for range 150 {
		texts = append(texts, gen(classes, 1, 40))
	}
	json.NewEncoder(os.Stdout).Encode(texts)
}
