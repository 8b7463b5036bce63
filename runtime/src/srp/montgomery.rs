//! Constant-time exponentiation modulo the 3072-bit SRP prime.
//!
//! The exponents of SRP are secrets (`a`, the password-equivalent `x`, and `a + u·x`), so every
//! operation here runs in time, and touches memory, independent of their values: Montgomery
//! multiplication (and squaring) over a fixed 48 limbs with a masked final subtraction,
//! exponents walked in fixed windows over a bit length that depends only on their kind, every
//! window read whatever its digit, and every table
//! lookup reading every entry and keeping one by [`subtle`]'s constant-time selection. Secrets
//! arrive as bytes and leave as bytes; only public values (`N`, `g`, `B`, `u`, `A`) pass through
//! `num-bigint`.

use std::sync::LazyLock;

use num_bigint::BigUint;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroizing;

use super::group::GROUP;

/// 64-bit limbs of a residue modulo `N` (3072 bits).
const LIMBS: usize = 48;

type Limbs = [u64; LIMBS];

/// Bits of each window of a variable base's exponentiation: 5 takes fewer multiplications for
/// a login's 1025-bit exponent than 4 (205 + 31 against 257 + 15) for twice the table.
const POW_WINDOW: usize = 5;

/// Bits of an exponent the fixed-base table of `g` covers.
const TABLE_BITS: usize = 1024;

/// `N` and the constants Montgomery arithmetic needs, all public.
struct Field {
    n: Limbs,
    /// `-N^-1 mod 2^64`.
    n0: u64,
    /// `R^2 mod N`, with `R = 2^3072`: turns a number into Montgomery form.
    r2: Limbs,
    /// `1` in Montgomery form (`R mod N`).
    one: Limbs,
}

static FIELD: LazyLock<Field> = LazyLock::new(|| {
    let n_big = &GROUP.n;
    let n = limbs(n_big);
    // Newton's iteration doubles the correct low bits of N^-1 mod 2^64 each round.
    let mut inverse: u64 = 1;
    for _ in 0..6 {
        inverse = inverse.wrapping_mul(2u64.wrapping_sub(n[0].wrapping_mul(inverse)));
    }
    let r = BigUint::from(1u32) << (64 * LIMBS);
    Field {
        n,
        n0: inverse.wrapping_neg(),
        r2: limbs(&((&r * &r) % n_big)),
        one: limbs(&(r % n_big)),
    }
});

/// `g^(d·16^i)` in Montgomery form for every digit `d` and window `i` below [`TABLE_BITS`]
/// (1.5 MiB, built on first use): `g^e` is then one multiplication per window.
static G_TABLE: LazyLock<Vec<[Limbs; 16]>> = LazyLock::new(|| {
    let field = &*FIELD;
    let mut rows = Vec::with_capacity(TABLE_BITS / 4);
    let mut base = field.to_montgomery(&limbs(&GROUP.g));
    for _ in 0..TABLE_BITS / 4 {
        let mut row = [field.one; 16];
        for digit in 1..16 {
            row[digit] = field.mul(&row[digit - 1], &base);
        }
        base = field.mul(&row[15], &base);
        rows.push(row);
    }
    rows
});

/// A secret exponent as little-endian limbs and the bit length its kind allows (not its value:
/// every exponent of a kind walks the same windows), wiped when dropped.
pub struct Exponent {
    limbs: Zeroizing<Vec<u64>>,
    bits: usize,
}

impl Exponent {
    /// A secret given as big-endian bytes, in exactly `limb_count` limbs; `None` when it does
    /// not fit. Never held in a `BigUint`.
    pub fn from_be_bytes(bytes: &[u8], limb_count: usize) -> Option<Self> {
        let mut out = Zeroizing::new(vec![0u64; limb_count]);
        for (i, byte) in bytes.iter().rev().enumerate() {
            match out.get_mut(i / 8) {
                Some(limb) => *limb |= u64::from(*byte) << (8 * (i % 8)),
                None if *byte == 0 => {}
                None => return None,
            }
        }
        Some(Exponent::full(out))
    }

    /// Limbs whose every bit may be set.
    fn full(limbs: Zeroizing<Vec<u64>>) -> Self {
        let bits = limbs.len() * 64;
        Exponent { limbs, bits }
    }

    /// The number, for tests that compare it with known answers.
    #[cfg(test)]
    pub fn to_biguint(&self) -> BigUint {
        from_limbs(&self.limbs)
    }

    /// Whether it is zero, reading every limb.
    pub fn is_zero(&self) -> bool {
        self.limbs.iter().fold(0, |acc, limb| acc | limb) == 0
    }

    /// A public number (`u`) in exactly `limb_count` limbs; `None` when it does not fit.
    pub fn new(e: &BigUint, limb_count: usize) -> Option<Self> {
        let digits = Zeroizing::new(e.to_u64_digits());
        if digits.len() > limb_count {
            return None;
        }
        let mut out = Zeroizing::new(vec![0u64; limb_count]);
        out[..digits.len()].copy_from_slice(&digits);
        Some(Exponent::full(out))
    }

    /// `a + u·x`, with `u` and `x` of at most four limbs, in `a`'s limbs plus one (at least
    /// nine): the schoolbook product and the sum run the same steps for every value. Its bit
    /// length is one more than the longer of `a` and `u·x` may have: 1025 for a login, so the
    /// exponentiation by it walks 257 windows, not the 272 of its limbs.
    pub fn a_plus_ux(a: &Exponent, u: &Exponent, x: &Exponent) -> Exponent {
        let width = a.limbs.len().max(8) + 1;
        let mut out = Zeroizing::new(vec![0u64; width]);
        out[..a.limbs.len()].copy_from_slice(&a.limbs);
        for (i, &ui) in u.limbs.iter().enumerate() {
            let mut carry = 0u64;
            for (j, &xj) in x.limbs.iter().enumerate() {
                let sum =
                    u128::from(out[i + j]) + u128::from(ui) * u128::from(xj) + u128::from(carry);
                out[i + j] = sum as u64;
                carry = (sum >> 64) as u64;
            }
            // Carry the rest through every higher limb, whatever its value.
            for limb in out.iter_mut().skip(i + x.limbs.len()) {
                let sum = u128::from(*limb) + u128::from(carry);
                *limb = sum as u64;
                carry = (sum >> 64) as u64;
            }
        }
        let bits = a.bits.max(u.bits + x.bits) + 1;
        Exponent { limbs: out, bits }
    }

    /// The `width`-bit window `i` (from the least significant); its position depends on `i`
    /// and `width` alone.
    fn window(&self, i: usize, width: usize) -> usize {
        let bit = i * width;
        let (limb, shift) = (bit / 64, bit % 64);
        let mut window = self.limbs[limb] >> shift;
        if shift + width > 64 && limb + 1 < self.limbs.len() {
            window |= self.limbs[limb + 1] << (64 - shift);
        }
        (window & ((1 << width) - 1)) as usize
    }

    /// How many `width`-bit windows its kind's length takes.
    fn windows(&self, width: usize) -> usize {
        self.bits.div_ceil(width)
    }
}

/// `g^e mod N`.
pub fn pow_g(e: &Exponent) -> BigUint {
    let field = &*FIELD;
    from_limbs(&field.out_of_montgomery(&field.pow_g(e)))
}

/// The premaster secret `S = (B - k·g^x)^e mod N` with `e = a + u·x`, as `pad(S)`: its minimal
/// big-endian bytes with a zero byte in front when the top bit is set. `B` and `k` are public.
pub fn premaster(big_b: &BigUint, x: &Exponent, e: &Exponent) -> Zeroizing<Vec<u8>> {
    let field = &*FIELD;
    // g^x stays in limbs: a `BigUint` would strip its leading zeros, in time that shows them.
    let gx = Zeroizing::new(field.pow_g(x));
    let k = field.to_montgomery(&limbs(&(&GROUP.k % &GROUP.n)));
    let kgx = Zeroizing::new(field.mul(&k, &gx));
    let b = field.to_montgomery(&limbs(&(big_b % &GROUP.n)));
    let base = Zeroizing::new(field.sub(&b, &kgx));
    let s = Zeroizing::new(field.out_of_montgomery(&field.pow(&base, e)));
    padded(&s)
}

/// `pad` of a residue, straight from its limbs.
fn padded(limbs: &Limbs) -> Zeroizing<Vec<u8>> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(LIMBS * 8 + 1));
    bytes.push(0);
    for limb in limbs.iter().rev() {
        bytes.extend_from_slice(&limb.to_be_bytes());
    }
    // Minimal bytes (one zero for zero), then the sign byte again when the top bit is set.
    let first = bytes[1..]
        .iter()
        .position(|b| *b != 0)
        .map_or(bytes.len() - 1, |i| i + 1);
    let start = if bytes[first] & 0x80 != 0 {
        first - 1
    } else {
        first
    };
    bytes.drain(..start);
    bytes
}

impl Field {
    /// `g^e` in Montgomery form: one multiplication per window from [`G_TABLE`] when `e` fits
    /// it, else the general [`Field::pow`].
    fn pow_g(&self, e: &Exponent) -> Limbs {
        if e.windows(4) > TABLE_BITS / 4 {
            return self.pow(&self.to_montgomery(&limbs(&GROUP.g)), e);
        }
        let mut acc = self.one;
        for (i, row) in G_TABLE.iter().enumerate().take(e.windows(4)) {
            let entry = Zeroizing::new(select(row, e.window(i, 4)));
            acc = self.mul(&acc, &entry);
        }
        acc
    }

    fn to_montgomery(&self, a: &Limbs) -> Limbs {
        self.mul(a, &self.r2)
    }

    fn out_of_montgomery(&self, a: &Limbs) -> Limbs {
        let mut one = [0u64; LIMBS];
        one[0] = 1;
        self.mul(a, &one)
    }

    /// `a·b·R^-1 mod N`, for `a, b < N`, by product scanning with the reduction folded in
    /// (FIPS): each result limb is one column of products `a_j·b_k` and `m_j·N_k` summed in a
    /// three-limb accumulator held in registers. The same steps for every value.
    fn mul(&self, a: &Limbs, b: &Limbs) -> Limbs {
        let n = &self.n;
        let mut m = [0u64; LIMBS];
        let mut out = [0u64; LIMBS];
        let mut acc = Accumulator::default();
        for i in 0..LIMBS {
            for j in 0..i {
                acc.add(a[j], b[i - j]);
                acc.add(m[j], n[i - j]);
            }
            acc.add(a[i], b[0]);
            m[i] = acc.low().wrapping_mul(self.n0);
            acc.add(m[i], n[0]);
            acc.shift();
        }
        for i in LIMBS..2 * LIMBS {
            for j in i - LIMBS + 1..LIMBS {
                acc.add(a[j], b[i - j]);
                acc.add(m[j], n[i - j]);
            }
            out[i - LIMBS] = acc.low();
            acc.shift();
        }
        let reduced = self.below_n(&out, acc.low());
        m.fill(0);
        out.fill(0);
        reduced
    }

    /// `a²·R^-1 mod N`, for `a < N`: [`Field::mul`]'s columns, with each cross product
    /// `a_j·a_k` (`j < k`) summed once and doubled, and the squares added: about three quarters
    /// of the work of a multiplication, and the same steps for every value.
    ///
    /// The reduction's steps are [`Field::mul`]'s, written out again: shared through a closure
    /// that gives each column's products, a login took 25% longer (the multiplication's two
    /// products per step no longer share one loop).
    fn square(&self, a: &Limbs) -> Limbs {
        let n = &self.n;
        let mut m = [0u64; LIMBS];
        let mut out = [0u64; LIMBS];
        let mut acc = Accumulator::default();
        for i in 0..2 * LIMBS {
            let mut cross = Accumulator::default();
            for j in (i + 1).saturating_sub(LIMBS)..i.div_ceil(2) {
                cross.add(a[j], a[i - j]);
            }
            acc.add_twice(&cross);
            if i % 2 == 0 {
                acc.add(a[i / 2], a[i / 2]);
            }
            if i < LIMBS {
                for j in 0..i {
                    acc.add(m[j], n[i - j]);
                }
                m[i] = acc.low().wrapping_mul(self.n0);
                acc.add(m[i], n[0]);
            } else {
                for j in i - LIMBS + 1..LIMBS {
                    acc.add(m[j], n[i - j]);
                }
                out[i - LIMBS] = acc.low();
            }
            acc.shift();
        }
        let reduced = self.below_n(&out, acc.low());
        m.fill(0);
        out.fill(0);
        reduced
    }

    /// `t` (its limbs and a top limb) brought below `N`, for `t < 2N`: `N` is subtracted, and
    /// the difference kept unless it went below zero, by a mask.
    fn below_n(&self, t: &[u64], top: u64) -> Limbs {
        let mut diff = [0u64; LIMBS];
        let mut borrow = 0u64;
        for j in 0..LIMBS {
            let (d, b1) = t[j].overflowing_sub(self.n[j]);
            let (d, b2) = d.overflowing_sub(borrow);
            diff[j] = d;
            borrow = u64::from(b1 | b2);
        }
        let (_, below) = top.overflowing_sub(borrow);
        let keep_t = Choice::from(u8::from(below));
        let mut out = [0u64; LIMBS];
        for j in 0..LIMBS {
            out[j] = u64::conditional_select(&diff[j], &t[j], keep_t);
        }
        out
    }

    /// `a - b mod N`, for `a, b < N`.
    fn sub(&self, a: &Limbs, b: &Limbs) -> Limbs {
        let mut out = [0u64; LIMBS];
        let mut borrow = 0u64;
        for j in 0..LIMBS {
            let (d, b1) = a[j].overflowing_sub(b[j]);
            let (d, b2) = d.overflowing_sub(borrow);
            out[j] = d;
            borrow = u64::from(b1 | b2);
        }
        // Add N back when it went below zero.
        let below = Choice::from(borrow as u8);
        let mut carry = 0u64;
        for (limb, n) in out.iter_mut().zip(&self.n) {
            let n = u64::conditional_select(&0, n, below);
            let sum = u128::from(*limb) + u128::from(n) + u128::from(carry);
            *limb = sum as u64;
            carry = (sum >> 64) as u64;
        }
        out
    }

    /// `base^e` in Montgomery form, 5-bit fixed windows from the top: five squarings and one
    /// multiplication by a masked table entry per window, the zero digit included.
    fn pow(&self, base: &Limbs, e: &Exponent) -> Limbs {
        let mut table = Zeroizing::new([self.one; 1 << POW_WINDOW]);
        for digit in 1..table.len() {
            table[digit] = self.mul(&table[digit - 1], base);
        }
        let mut acc = self.one;
        for i in (0..e.windows(POW_WINDOW)).rev() {
            for _ in 0..POW_WINDOW {
                acc = self.square(&acc);
            }
            let entry = Zeroizing::new(select(&table, e.window(i, POW_WINDOW)));
            acc = self.mul(&acc, &entry);
        }
        acc
    }
}

/// A column sum of 64-bit products: up to 2·48 of them fit in its 192 bits.
#[derive(Default)]
struct Accumulator {
    low: u128,
    high: u64,
}

impl Accumulator {
    #[inline(always)]
    fn add(&mut self, x: u64, y: u64) {
        let (sum, carried) = self.low.overflowing_add(u128::from(x) * u128::from(y));
        self.low = sum;
        self.high += u64::from(carried);
    }

    /// Adds `2·other`.
    #[inline(always)]
    fn add_twice(&mut self, other: &Accumulator) {
        let doubled_high = (other.high << 1) | (other.low >> 127) as u64;
        let (sum, carried) = self.low.overflowing_add(other.low << 1);
        self.low = sum;
        self.high += doubled_high + u64::from(carried);
    }

    fn low(&self) -> u64 {
        self.low as u64
    }

    /// Drops the low limb (the column is done) and moves the rest down.
    #[inline(always)]
    fn shift(&mut self) {
        self.low = (self.low >> 64) | (u128::from(self.high) << 64);
        self.high = 0;
    }
}

/// `table[index]`, reading every entry.
fn select<const K: usize>(table: &[Limbs; K], index: usize) -> Limbs {
    let mut out = [0u64; LIMBS];
    for (i, entry) in table.iter().enumerate() {
        let equal = (i as u64).ct_eq(&(index as u64));
        for (o, e) in out.iter_mut().zip(entry) {
            o.conditional_assign(e, equal);
        }
    }
    out
}

fn limbs(n: &BigUint) -> Limbs {
    let mut out = [0u64; LIMBS];
    for (o, d) in out.iter_mut().zip(n.to_u64_digits()) {
        *o = d;
    }
    out
}

fn from_limbs(limbs: &[u64]) -> BigUint {
    let digits: Vec<u32> = limbs
        .iter()
        .flat_map(|l| [*l as u32, (l >> 32) as u32])
        .collect();
    BigUint::from_slice(&digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(seed: u64, bits: u64) -> BigUint {
        // A deterministic spread of values: one step of a 64-bit LCG per limb.
        let mut state = seed;
        let digits: Vec<u64> = (0..bits.div_ceil(64))
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                state
            })
            .collect();
        let n = from_limbs(&digits);
        n % (BigUint::from(1u32) << bits)
    }

    #[test]
    fn agrees_with_num_bigint() {
        let n = &GROUP.n;
        for seed in 0..8u64 {
            for (bits, limbs) in [(1024, 16), (256, 4), (1030, 17), (2000, 32)] {
                let e = number(seed, bits);
                let exponent = Exponent::new(&e, limbs).unwrap();
                assert_eq!(pow_g(&exponent), GROUP.g.modpow(&e, n), "g^e, {bits} bits");
            }
            let base = number(seed + 100, 3072) % n;
            let e = number(seed + 200, 1030);
            let field = &*FIELD;
            let got = field.out_of_montgomery(&field.pow(
                &field.to_montgomery(&limbs(&base)),
                &Exponent::new(&e, 17).unwrap(),
            ));
            assert_eq!(from_limbs(&got), base.modpow(&e, n), "base^e");
        }
        // The edges: zero exponents, and exponents of all ones.
        let zero = Exponent::new(&BigUint::ZERO, 16).unwrap();
        assert_eq!(pow_g(&zero), BigUint::from(1u32));
        let ones = (BigUint::from(1u32) << 1024) - 1u32;
        assert_eq!(
            pow_g(&Exponent::new(&ones, 16).unwrap()),
            GROUP.g.modpow(&ones, n)
        );
    }

    #[test]
    fn a_plus_ux_is_exact() {
        for seed in 0..16u64 {
            let (a, u, x) = (
                number(seed, 1024),
                number(seed + 1, 256),
                number(seed + 2, 256),
            );
            let sum = Exponent::a_plus_ux(
                &Exponent::new(&a, 16).unwrap(),
                &Exponent::new(&u, 4).unwrap(),
                &Exponent::new(&x, 4).unwrap(),
            );
            let expected = &a + &u * &x;
            assert_eq!(from_limbs(&sum.limbs), expected);
            assert!(expected.bits() <= sum.bits as u64);
        }
    }

    #[test]
    fn squares_are_products_of_equal_factors() {
        let field = &*FIELD;
        let edges = [
            BigUint::ZERO,
            BigUint::from(1u32),
            &GROUP.n - 1u32,
            &GROUP.n - 2u32,
        ];
        let spread = (0..32u64).map(|seed| number(seed + 300, 3072) % &GROUP.n);
        for a in edges.into_iter().chain(spread) {
            let a = limbs(&a);
            assert_eq!(field.square(&a), field.mul(&a, &a), "{:x}", from_limbs(&a));
        }
    }

    #[test]
    fn subtraction_wraps_modulo_n() {
        let field = &*FIELD;
        let (a, b) = (BigUint::from(5u32), BigUint::from(9u32));
        let got = from_limbs(&field.sub(&limbs(&a), &limbs(&b)));
        assert_eq!(got, &GROUP.n - 4u32);
    }

    #[test]
    fn exponents_that_do_not_fit_are_refused() {
        assert!(Exponent::new(&(BigUint::from(1u32) << 256), 4).is_none());
    }

    #[test]
    fn padded_residues_are_pads_of_their_value() {
        for value in [
            BigUint::ZERO,
            BigUint::from(1u32),
            BigUint::from(0x7fu32),
            BigUint::from(0x80u32),
            &GROUP.n - 1u32,
            number(9, 3000),
        ] {
            assert_eq!(
                *padded(&limbs(&value)),
                super::super::group::pad(&value),
                "{value:x}"
            );
        }
    }
}
