package app

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
)

// loadProfiles are the profile files a load test writes, covering only the
// measured run: not the people registered before it, nor the signature
// limit sampled around it, which would otherwise fill a CPU profile with
// RSA.
type loadProfiles struct {
	cpu, block, mutex *os.File
}

func startProfiles(cpu, block, mutex string) (*loadProfiles, error) {
	p := &loadProfiles{}
	for _, f := range []struct {
		name string
		to   **os.File
	}{{cpu, &p.cpu}, {block, &p.block}, {mutex, &p.mutex}} {
		if f.name == "" {
			continue
		}
		out, err := os.Create(f.name)
		if err != nil {
			p.close()
			return nil, err
		}
		*f.to = out
	}
	return p, nil
}

func (p *loadProfiles) close() {
	for _, f := range []**os.File{&p.cpu, &p.block, &p.mutex} {
		if *f != nil {
			(*f).Close()
			*f = nil
		}
	}
}

// window starts the profiles; the function it returns writes them.
func (p *loadProfiles) window(stderr io.Writer) func() func() {
	return func() func() {
		if p.cpu != nil {
			if err := pprof.StartCPUProfile(p.cpu); err != nil {
				fmt.Fprintln(stderr, "shebao loadtest: cpu profile:", err)
				p.cpu.Close()
				p.cpu = nil
			}
		}
		if p.block != nil {
			runtime.SetBlockProfileRate(10_000) // a sample per 10 µs blocked
		}
		if p.mutex != nil {
			runtime.SetMutexProfileFraction(5)
		}
		return func() {
			if p.cpu != nil {
				pprof.StopCPUProfile()
			}
			if p.block != nil {
				runtime.SetBlockProfileRate(0)
				if err := pprof.Lookup("block").WriteTo(p.block, 0); err != nil {
					fmt.Fprintln(stderr, "shebao loadtest: block profile:", err)
				}
			}
			if p.mutex != nil {
				runtime.SetMutexProfileFraction(0)
				if err := pprof.Lookup("mutex").WriteTo(p.mutex, 0); err != nil {
					fmt.Fprintln(stderr, "shebao loadtest: mutex profile:", err)
				}
			}
			p.close()
		}
	}
}
