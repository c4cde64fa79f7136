package policy

import (
	"errors"
	"math/big"

	"github.com/consensys/gnark/constraint/solver"
)

func init() { solver.RegisterHint(maskHint, tallyHint) }

// maskHint proposes windowMask's booleans: 1 on [lo, lo+w). Its output is
// fully constrained by windowMask.
func maskHint(_ *big.Int, in, out []*big.Int) error {
	if len(in) != 2 {
		return errors.New("policy: mask hint takes lo and w")
	}
	lo, w := in[0], in[1]
	hi := new(big.Int).Add(lo, w)
	for i := range out {
		bi := big.NewInt(int64(i))
		if w.Sign() != 0 && bi.Cmp(lo) >= 0 && bi.Cmp(hi) < 0 {
			out[i].SetInt64(1)
		} else {
			out[i].SetInt64(0)
		}
	}
	return nil
}

// tallyHint proposes splitTally's parts: five 6-bit counts, then the rest.
// Its output is fully constrained by splitTally.
func tallyHint(_ *big.Int, in, out []*big.Int) error {
	if len(in) != 1 || len(out) != 6 {
		return errors.New("policy: tally hint takes one input and gives six outputs")
	}
	mask := big.NewInt(1<<countBits - 1)
	for v := 0; v < 5; v++ {
		out[v].And(new(big.Int).Rsh(in[0], uint(countBits*v)), mask)
	}
	out[5].Rsh(in[0], tallyShift)
	return nil
}
