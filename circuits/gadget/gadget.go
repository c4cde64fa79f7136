package gadget

import (
	"math/big"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/permutation/poseidon2"

	"github.com/tacit-zk/tacit/credential"
)

// Hash computes credential.Hash(tag, elems...) in circuit.
func Hash(api frontend.API, tag string, elems ...frontend.Variable) (frontend.Variable, error) {
	perm, err := poseidon2.NewPoseidon2FromParameters(api, credential.SpongeWidth, credential.SpongeFullRounds, credential.SpongePartialRound)
	if err != nil {
		return nil, err
	}
	iv := credential.DomainTag(tag, len(elems))
	var ivInt big.Int
	iv.BigInt(&ivInt)
	state := []frontend.Variable{&ivInt, 0, 0}
	for i := 0; i < len(elems); i += 2 {
		state[1] = api.Add(state[1], elems[i])
		if i+1 < len(elems) {
			state[2] = api.Add(state[2], elems[i+1])
		}
		if err := perm.Permutation(state); err != nil {
			return nil, err
		}
	}
	if len(elems) == 0 {
		if err := perm.Permutation(state); err != nil {
			return nil, err
		}
	}
	return state[1], nil
}

// AssertBits constrains 0 <= v < 2^n (n well below the field size) and
// returns v's little-endian bits.
func AssertBits(api frontend.API, v frontend.Variable, n int) []frontend.Variable {
	return api.ToBinary(v, n)
}

// Pack returns sum(vals[i] * 2^(width*i)). The caller range-checks each
// value to width bits so that the packing is injective.
func Pack(api frontend.API, width int, vals ...frontend.Variable) frontend.Variable {
	acc := frontend.Variable(0)
	for i := len(vals) - 1; i >= 0; i-- {
		acc = api.Add(api.Mul(acc, new(big.Int).Lsh(big.NewInt(1), uint(width))), vals[i])
	}
	return acc
}

// Header recomputes credential.Credential.Header of a layout v1 credential
// from its range-checked parts.
func Header(api frontend.API, kind credential.Kind, periodStart, months, issuedAt, expiresAt frontend.Variable) frontend.Variable {
	return HeaderOf(api, kind, credential.LayoutV1, periodStart, months, issuedAt, expiresAt)
}

// HeaderOf recomputes credential.Credential.Header of a credential of the
// given layout (its Version) from its range-checked parts.
func HeaderOf(api frontend.API, kind credential.Kind, layout int, periodStart, months, issuedAt, expiresAt frontend.Variable) frontend.Variable {
	term := func(v frontend.Variable, shift uint) frontend.Variable {
		return api.Mul(v, new(big.Int).Lsh(big.NewInt(1), shift))
	}
	constant := new(big.Int).SetUint64(uint64(kind)<<credential.HeaderKindShift | uint64(layout)<<credential.HeaderVersionShift)
	return api.Add(constant,
		term(periodStart, credential.HeaderStartShift),
		term(months, credential.HeaderMonthsShift),
		term(issuedAt, credential.HeaderIssuedShift),
		term(expiresAt, credential.HeaderExpiresShift),
	)
}
