// Package reformat holds the pipeline's lossless steps: transforms that make
// a tool output denser while keeping everything it says, so that no CCR
// entry is needed to get anything back.
//
//   - JSONMinifier re-emits JSON without insignificant whitespace, keeping key
//     order and number literals.
//   - LogTemplate folds runs of log lines that share a template into one
//     "[Template Tn: …] (k occurrences)" header and a table of the parts that
//     vary.
//
// Both implement transform.Reformatter and are safe for concurrent use.
package reformat
