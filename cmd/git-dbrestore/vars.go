package main

import (
	"runtime"
	"strconv"

	"github.com/alecthomas/kong"
)

// cliVars are the defaults that depend on the machine.
func cliVars() kong.Vars {
	return kong.Vars{"jobs": strconv.Itoa(min(runtime.NumCPU(), 4))}
}
