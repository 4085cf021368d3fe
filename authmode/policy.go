package authmode

// Policy is the compression policy a request runs under. It is a value
// derived from the Mode; nothing in it is configurable per request.
//
// In the reference proxy only the Mode itself changes behaviour (it gates
// the cache-stabilisation rewrites); the Policy fields are resolved and
// logged so operators can see them, and are consumed by library stages
// (cache aligner, TOIN) when those run.
type Policy struct {
	// LiveZoneOnly restricts compression to the live zone (the part of
	// the request the model is about to answer). False allows stages that
	// touch older content.
	LiveZoneOnly bool
	// CacheAlignerEnabled lets the cache aligner run.
	CacheAlignerEnabled bool
	// VolatileTokenThreshold is the size, in tokens, above which volatile
	// content is worth flagging. Plumbed, not yet acted on.
	VolatileTokenThreshold uint32
	// MaxLossyRatio caps the share of a block lossy compressors may drop.
	// Plumbed, not yet acted on.
	MaxLossyRatio float32
	// TOINReadOnly forbids writing learned tool-output patterns.
	TOINReadOnly bool
}

// Policy tuning values. Subscription traffic is the most cache-sensitive,
// so it gets the tighter limits.
const (
	volatileTokenThresholdDefault      = 128
	volatileTokenThresholdSubscription = 32
	maxLossyRatioDefault               = 0.45
	maxLossyRatioSubscription          = 0.25
)

// PolicyFor returns the policy of m. OAuth currently shares the Payg
// policy; an unknown Mode gets the Payg policy too.
func PolicyFor(m Mode) Policy {
	if m == Subscription {
		return Policy{
			LiveZoneOnly:           true,
			CacheAlignerEnabled:    false,
			VolatileTokenThreshold: volatileTokenThresholdSubscription,
			MaxLossyRatio:          maxLossyRatioSubscription,
			TOINReadOnly:           true,
		}
	}
	return Policy{
		LiveZoneOnly:           false,
		CacheAlignerEnabled:    true,
		VolatileTokenThreshold: volatileTokenThresholdDefault,
		MaxLossyRatio:          maxLossyRatioDefault,
		TOINReadOnly:           false,
	}
}

// ResolvePolicy is PolicyFor(m) when enforce is true and the Payg policy
// otherwise (the --auth-mode-policy-enforcement=disabled kill switch). It
// changes only the policy: the Mode still gates the byte-mutating passes.
func ResolvePolicy(m Mode, enforce bool) Policy {
	if !enforce {
		return PolicyFor(Payg)
	}
	return PolicyFor(m)
}

// LiveZoneCompressionEnabled reports whether live-zone compression may run.
// It is true for every mode: closing a cache complaint must not mean
// shipping no compression at all.
func (Policy) LiveZoneCompressionEnabled() bool { return true }

// Prompt-cache price multipliers relative to an uncached input token:
// writing a cache entry costs 1.25×, reading one 0.1× (Anthropic pricing,
// which the reference's economics use for every provider).
const (
	CacheWriteMultiplier float32 = 1.25
	CacheReadMultiplier  float32 = 0.1
)

// NetMutationGain estimates, in input-token units, what rewriting a cached
// prefix saves: deltaT tokens removed, suffixTokens cached tokens after the
// edit that must be re-written, expectedReads future reads of the prefix
// (negative counts as 0) and pAlive the probability the cache entry would
// otherwise still be warm (clamped to [0,1]; NaN counts as 1). Computed in
// float32 like the reference so thresholds agree exactly.
func (Policy) NetMutationGain(deltaT, suffixTokens uint32, expectedReads, pAlive float32) float32 {
	w, r := CacheWriteMultiplier, CacheReadMultiplier
	reads := expectedReads
	if !(reads > 0) { // also maps NaN to 0
		reads = 0
	}
	alive := pAlive
	switch {
	case alive != alive: // NaN
		alive = 1
	case alive < 0:
		alive = 0
	case alive > 1:
		alive = 1
	}
	d := float32(deltaT)
	return d*(w+r*(reads-1)) - alive*(w-r)*(float32(suffixTokens)+d)
}

// ShouldMutateDeep reports whether NetMutationGain is strictly positive.
func (p Policy) ShouldMutateDeep(deltaT, suffixTokens uint32, expectedReads, pAlive float32) bool {
	return p.NetMutationGain(deltaT, suffixTokens, expectedReads, pAlive) > 0
}

// BreakEvenReads is the number of future reads at which removing deltaT
// tokens in front of suffixTokens cached tokens pays for itself; 0 when
// deltaT is 0.
func (Policy) BreakEvenReads(deltaT, suffixTokens uint32) float32 {
	if deltaT == 0 {
		return 0
	}
	w, r := CacheWriteMultiplier, CacheReadMultiplier
	return ((w - r) / r) * (float32(suffixTokens) / float32(deltaT))
}
