package cli

import (
	"errors"
	"slices"
	"testing"
)

func TestParseArgsAcceptsFlagsAnywhereAndStopsAtDoubleDash(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		pos     []string
		name    string
		verbose bool
	}{
		{nil, nil, "", false},
		{[]string{"a"}, []string{"a"}, "", false},
		{[]string{"--name", "n", "a"}, []string{"a"}, "n", false},
		{[]string{"a", "--name", "n"}, []string{"a"}, "n", false},
		{[]string{"a", "-v", "b", "--name=n", "c"}, []string{"a", "b", "c"}, "n", true},
		{[]string{"-", "-v"}, []string{"-"}, "", true},
		{[]string{"-v", "--", "--name", "-v"}, []string{"--name", "-v"}, "", true},
		{[]string{"a", "--", "-"}, []string{"a", "-"}, "", false},
		{[]string{"--name", "--", "a", "-v"}, []string{"a"}, "--", true}, // "--" as a value ends nothing
		{[]string{"a", "--name", "--", "--", "-v"}, []string{"a", "-v"}, "--", false},
	} {
		fs := newFlagSet("test")
		name := fs.String("name", "", "")
		verbose := fs.Bool("v", false, "")
		pos, err := parseArgs(fs, tc.args)
		if err != nil || !slices.Equal(pos, tc.pos) || *name != tc.name || *verbose != tc.verbose {
			t.Errorf("%q: pos %q name %q v %v err %v; want %q %q %v", tc.args, pos, *name, *verbose, err, tc.pos, tc.name, tc.verbose)
		}
	}
}

func TestParseArgsErrors(t *testing.T) {
	fs := newFlagSet("test")
	fs.String("name", "", "")
	if _, err := parseArgs(fs, []string{"a", "--help"}); !errors.Is(err, errHelp) {
		t.Errorf("--help after an argument: %v", err)
	}
	var ue *usageError
	if _, err := parseArgs(newFlagSet("test"), []string{"a", "--nope"}); !errors.As(err, &ue) || ue.cmd != "test" {
		t.Errorf("unknown flag: %v", err)
	}
	fs = newFlagSet("test")
	fs.String("name", "", "")
	if _, err := parseArgs(fs, []string{"a", "--name"}); !errors.As(err, &ue) {
		t.Errorf("flag without its value: %v", err)
	}
}
