// Command shebao runs the social insurance payment platform. See README.md
// and `shebao help`.
package main

import (
	"os"

	"github.com/shebao-project/shebao/internal/app"
)

func main() {
	os.Exit(app.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
