package ssc

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// The identifiers below imitate the shapes banks hand out (length, embedded
// date) so that code storing or showing them meets realistic values; their
// content means nothing.

// maskedCard is the holder's card number as the bank shows it to a merchant:
// a debit-card BIN and the last four digits. The sandbox derives the digits
// from holder_ref, so one holder always has one card.
func (s *Server) maskedCard(holderRef string) string {
	sum := sm3.Sum([]byte("ssc-card:" + holderRef))
	return fmt.Sprintf("%s **** **** %04d", s.brand.CardBIN, binary.BigEndian.Uint32(sum[:4])%10000)
}

// bankSerial is the 交易流水号: the brand's prefix and "C" ("SSC"), the
// Beijing date, 12 digits.
func (s *Server) bankSerial(now time.Time) (string, error) {
	d, err := s.rnd.String(digits, 12)
	if err != nil {
		return "", err
	}
	return s.brand.SerialPrefix + "C" + now.In(beijing).Format("20060102") + d, nil
}

// refundID is the bank's refund number: the brand's prefix and "R" ("SSR"),
// the Beijing date, 12 digits.
func (s *Server) refundID(now time.Time) (string, error) {
	d, err := s.rnd.String(digits, 12)
	if err != nil {
		return "", err
	}
	return s.brand.SerialPrefix + "R" + now.In(beijing).Format("20060102") + d, nil
}

// eventID names a notification; every retry and copy carries the same one.
func (s *Server) eventID(now time.Time) (string, error) {
	d, err := s.rnd.String(alnum, 20)
	if err != nil {
		return "", err
	}
	return "EV" + now.In(beijing).Format("20060102") + d, nil
}
