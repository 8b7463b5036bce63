"""GMP baseline for benches/srp_login.rs: the same three exponentiations with gmpy2.powmod.

Run beside the criterion benchmark, in the same session:  python3 benches/gmp_baseline.py
(needs `pip install gmpy2`). Prints the median of many runs in milliseconds.
"""
import hashlib
import statistics
import time

import gmpy2

N = gmpy2.mpz(
    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7edee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf0598da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3be39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf6955817183995497cea956ae515d2261898fa051015728e5a8aaac42dad33170d04507a33a85521abdf1cba64ecfb850458dbef0a8aea71575d060c7db3970f85a6e1e4c7abf5ae8cdb0933d71e8c94e04a25619dcee3d2261ad2ee6bf12ffa06d98a0864d87602733ec86a64521f2b18177b200cbbe117577a615d6c770988c0bad946e208e24fa074e5ab3143db5bfce0fd108e4b82d120a93ad2caffffffffffffffff",
    16,
)
G = gmpy2.mpz(2)
K = gmpy2.mpz("538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6", 16)
A = gmpy2.mpz(int.from_bytes(hashlib.sha512(b"a").digest() * 2, "big"))  # 1024 bits
X = gmpy2.mpz(int.from_bytes(hashlib.sha256(b"x").digest(), "big"))  # 256 bits
U = gmpy2.mpz(int.from_bytes(hashlib.sha256(b"u").digest(), "big"))
B = gmpy2.powmod(G, 12345, N)


def login():
    big_a = gmpy2.powmod(G, A, N)
    gx = gmpy2.powmod(G, X, N)
    base = (B - K * gx) % N
    return big_a, gmpy2.powmod(base, A + U * X, N)


def main():
    samples = []
    for _ in range(300):
        start = time.perf_counter()
        login()
        samples.append(time.perf_counter() - start)
    print(f"gmp: three exponentiations of one login, median {statistics.median(samples) * 1e3:.2f} ms")


main()
