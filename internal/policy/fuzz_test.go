package policy_test

import (
	"encoding/json"
	"errors"
	"testing"
	"testing/fstest"

	"github.com/shebao-project/shebao/internal/policy"
)

// FuzzLoad: any bytes as a pack either load or are refused with a
// *LoadError; the loader never panics.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(minimalPack(f)))
	f.Add([]byte("region: [\n"))
	f.Add([]byte("insurances: [{code: \"110\", family: range, online: true}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := policy.Load(fstest.MapFS{"999999/2025-01.yaml": {Data: data}}, fixedNow)
		var le *policy.LoadError
		if err != nil && !errors.As(err, &le) {
			t.Fatalf("error %v is not a *LoadError", err)
		}
	})
}

// FuzzQuote: any decodable request is priced or refused with a *policy.Error;
// a priced quote adds up. Never a panic.
func FuzzQuote(f *testing.F) {
	for _, body := range goldenQuotes {
		f.Add(body)
	}
	f.Add(`{"region":"110000","person_type":"flexible","items":[{"insurance":"110","base_ratio":"9999.99999999"}],"periods":{"from":"2026-11","to":"2026-11"}}`)
	f.Add(`{"region":"national","person_type":"flexible","items":[{"insurance":"110","base_fen":9223372036854775807}],"periods":{"from":"9999-12","to":"9999-12"},"as_of":"9999-12-31"}`)
	f.Add(`{"region":"510100","person_type":"resident","items":[{"insurance":"170","grade_fen":-1}],"periods":{"from":"0000","to":"9999"},"cycle":"annual"}`)
	e := engine(f)
	f.Fuzz(func(t *testing.T, body string) {
		var req policy.QuoteRequest
		if json.Unmarshal([]byte(body), &req) != nil {
			return
		}
		q, err := e.Quote(req)
		if err != nil {
			var pe *policy.Error
			if !errors.As(err, &pe) || pe.Code == "" || pe.Message == "" || pe.MessageEn == "" {
				t.Fatalf("error %v (%T) is not a complete *policy.Error", err, err)
			}
			return
		}
		var sum int64
		for _, l := range q.Lines {
			sum += int64(l.AmountFen)
		}
		if sum != int64(q.TotalFen) {
			t.Fatalf("total %d != sum %d", q.TotalFen, sum)
		}
	})
}
