package authmode

import (
	"net/http"
	"testing"
)

// BenchmarkClassify covers the shapes real clients send: a subscription
// CLI (matched on the first header), an API key (falls through the UA
// scan), a JWT and a SigV4 signature.
func BenchmarkClassify(b *testing.B) {
	cases := []struct {
		name string
		h    http.Header
	}{
		{"subscription", hdr("User-Agent", "claude-cli/1.0.83 (external, cli)", "Authorization", "Bearer sk-ant-oat01-abcdef")},
		{"payg_x_api_key", hdr("User-Agent", "Anthropic/Python 0.39.0", "X-Api-Key", "sk-ant-api03-abcdef")},
		{"oauth_jwt", hdr("User-Agent", "OpenAI/Python 1.54.0", "Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")},
		{"sigv4", hdr("User-Agent", "aws-sdk-go-v2/1.30", "Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=abc")},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Classify(tc.h)
			}
		})
	}
}
