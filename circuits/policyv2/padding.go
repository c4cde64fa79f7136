package policyv2

import "math/big"

// padding is a valid signature that an unused slot verifies instead of
// its own (Define gates the key, the signature and the message by the
// slot's used flag): the eddsa gadget asserts, it cannot be switched off,
// and a padding slot holds whatever the prover put there. It is the
// signature of the message 0 by the key with fixture label
// "tacit/policy/v2/padding"; TestPaddingSignature checks it natively.
// Anyone may know it: a used slot never reads it.
var padding = struct{ ax, ay, rx, ry, s, msg *big.Int }{
	ax:  decimal("10726927924716431860592851307650691246045648785189931314304008534633573549547"),
	ay:  decimal("17851335325059975950912552024226806491901079872043930739786800145628980761371"),
	rx:  decimal("20695916262068075190581186873575062531269992752219983758430202190938469436560"),
	ry:  decimal("1925224825970096089587960177975664269275683223141358493462288645894563184"),
	s:   decimal("2214011834342313972581232801123979355654416552819230243255119944209561646793"),
	msg: big.NewInt(0),
}

func decimal(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("policyv2: bad constant " + s)
	}
	return v
}
