module github.com/headroom-go/headroom

go 1.26

require (
	github.com/dlclark/regexp2/v2 v2.5.1 // indirect
	github.com/klauspost/cpuid/v2 v2.0.9 // indirect
	github.com/tiktoken-go/tokenizer v0.10.0 // indirect
	lukechampine.com/blake3 v1.4.1 // indirect
)
