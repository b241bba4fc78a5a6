// CRC-64/XZ (the CRC OSS reports as x-oss-hash-crc64ecma) with carry-less multiplication: the native
// fast path of src/crc64.ts. Optional: when this addon is not built or the CPU lacks PCLMULQDQ, dtdl
// uses its WebAssembly/JS implementation, which gives the same results.
//
// Method: Gopal et al., "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ Instruction"
// (Intel, 2009), bit-reflected form. Four 128-bit lanes are folded forward 64 bytes at a time
// (independent multiplies, so the CPU overlaps their latency), then folded into one lane, then
// reduced to 64 bits with a Barrett step. Every constant is computed from the polynomial at load time.
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

// The reflected ECMA-182 polynomial (bit 0 is x^63).
#define POLY 0xc96c5795d7870f42ULL

static uint64_t table[256];

// The register after one bit step: multiply by x modulo P, reflected.
static uint64_t step(uint64_t r) { return (r >> 1) ^ ((r & 1) ? POLY : 0); }

static uint64_t crc_bytes(uint64_t r, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) r = table[(r ^ p[i]) & 0xff] ^ (r >> 8);
  return r;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define CLMUL_BUILT 1
#define CLMUL_TARGET __attribute__((target("pclmul,sse4.1")))

// Fold multipliers: moving a 128-bit lane forward by d bits multiplies its low half by x^(d+63) and its
// high half by x^(d-1) (the -1: a product of two reflected 64-bit values comes out shifted by one bit).
static struct {
  uint64_t by512_lo, by512_hi, by384_lo, by384_hi, by256_lo, by256_hi, by128_lo, by128_hi;
  uint64_t mu, p; // Barrett reduction: floor(x^128 / P) and P itself, both in the shifted reflected form
} k;

// x^e mod P, reflected; e >= 63 (the register value 1 stands for x^63).
static uint64_t x_pow_mod(unsigned e) {
  uint64_t r = 1;
  for (unsigned i = 63; i < e; i++) r = step(r);
  return r;
}

static void init_constants(void) {
  k.by512_lo = x_pow_mod(512 + 63), k.by512_hi = x_pow_mod(512 - 1);
  k.by384_lo = x_pow_mod(384 + 63), k.by384_hi = x_pow_mod(384 - 1);
  k.by256_lo = x_pow_mod(256 + 63), k.by256_hi = x_pow_mod(256 - 1);
  k.by128_lo = x_pow_mod(128 + 63), k.by128_hi = x_pow_mod(128 - 1);
  // mu: the 64 quotient bits of x^127 / P, collected while dividing (reflected), then shifted to 65 bits.
  uint64_t r = POLY, q = 0;
  for (int i = 0; i < 64; i++) {
    q = (q >> 1) | (r << 63);
    r = step(r);
  }
  k.mu = (q << 1) | 1;
  k.p = (POLY << 1) | 1;
}

CLMUL_TARGET static inline __m128i fold(__m128i lane, uint64_t lo, uint64_t hi) {
  __m128i m = _mm_set_epi64x((long long)hi, (long long)lo);
  return _mm_xor_si128(_mm_clmulepi64_si128(lane, m, 0x00), _mm_clmulepi64_si128(lane, m, 0x11));
}

// Continues the raw register r (not inverted) over n >= 64 bytes; returns the raw register.
CLMUL_TARGET static uint64_t crc_clmul(uint64_t r, const uint8_t *p, size_t n) {
  __m128i x0 = _mm_loadu_si128((const __m128i *)p);
  __m128i x1 = _mm_loadu_si128((const __m128i *)(p + 16));
  __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 32));
  __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 48));
  x0 = _mm_xor_si128(x0, _mm_cvtsi64_si128((long long)r));
  p += 64, n -= 64;
  for (; n >= 64; p += 64, n -= 64) {
    x0 = _mm_xor_si128(fold(x0, k.by512_lo, k.by512_hi), _mm_loadu_si128((const __m128i *)p));
    x1 = _mm_xor_si128(fold(x1, k.by512_lo, k.by512_hi), _mm_loadu_si128((const __m128i *)(p + 16)));
    x2 = _mm_xor_si128(fold(x2, k.by512_lo, k.by512_hi), _mm_loadu_si128((const __m128i *)(p + 32)));
    x3 = _mm_xor_si128(fold(x3, k.by512_lo, k.by512_hi), _mm_loadu_si128((const __m128i *)(p + 48)));
  }
  __m128i x = _mm_xor_si128(_mm_xor_si128(fold(x0, k.by384_lo, k.by384_hi), fold(x1, k.by256_lo, k.by256_hi)),
                            _mm_xor_si128(fold(x2, k.by128_lo, k.by128_hi), x3));
  for (; n >= 16; p += 16, n -= 16) x = _mm_xor_si128(fold(x, k.by128_lo, k.by128_hi), _mm_loadu_si128((const __m128i *)p));
  // 128 -> 64 bits: fold the low half onto the high half, then Barrett-reduce the 128-bit remainder.
  __m128i m = _mm_set_epi64x((long long)k.by128_hi, (long long)k.by128_lo);
  __m128i y = _mm_xor_si128(_mm_clmulepi64_si128(x, m, 0x10), _mm_srli_si128(x, 8));
  __m128i b = _mm_set_epi64x((long long)k.p, (long long)k.mu);
  __m128i t = _mm_clmulepi64_si128(y, b, 0x00);
  __m128i u = _mm_clmulepi64_si128(t, b, 0x10);
  __m128i z = _mm_xor_si128(_mm_xor_si128(y, _mm_slli_si128(t, 8)), u);
  r = (uint64_t)_mm_extract_epi64(z, 1);
  return crc_bytes(r, p, n);
}
#endif

static int clmul_usable = 0;

static uint64_t crc_update(uint64_t crc, const uint8_t *p, size_t n) {
  uint64_t r = ~crc;
#ifdef CLMUL_BUILT
  if (clmul_usable && n >= 64) return ~crc_clmul(r, p, n);
#endif
  return ~crc_bytes(r, p, n);
}

// crc64(data: Uint8Array, crc: bigint): bigint, the same contract as crc64() in src/crc64.ts.
static napi_value js_crc64(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, NULL, "crc64(data, crc) takes two arguments");
    return NULL;
  }
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "crc64: data must be a Uint8Array");
    return NULL;
  }
  uint64_t crc = 0;
  bool lossless = true;
  if (napi_get_value_bigint_uint64(env, argv[1], &crc, &lossless) != napi_ok || !lossless) {
    napi_throw_type_error(env, NULL, "crc64: crc must be a bigint in 0..2^64-1");
    return NULL;
  }
  napi_value result;
  napi_create_bigint_uint64(env, crc_update(crc, (const uint8_t *)data, length), &result);
  return result;
}

NAPI_MODULE_INIT() {
  for (unsigned b = 0; b < 256; b++) {
    uint64_t r = b;
    for (int i = 0; i < 8; i++) r = step(r);
    table[b] = r;
  }
#ifdef CLMUL_BUILT
  __builtin_cpu_init();
  clmul_usable = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
  if (clmul_usable) init_constants();
#endif
  napi_value fn, flag;
  napi_create_function(env, "crc64", NAPI_AUTO_LENGTH, js_crc64, NULL, &fn);
  napi_set_named_property(env, exports, "crc64", fn);
  // Without PCLMULQDQ this addon is only a byte-at-a-time loop: the caller should prefer WebAssembly.
  napi_get_boolean(env, clmul_usable, &flag);
  napi_set_named_property(env, exports, "accelerated", flag);
  return exports;
}
