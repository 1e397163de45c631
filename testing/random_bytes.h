// Deterministic pseudo-random test data.
#ifndef TFHUB_TESTING_RANDOM_BYTES_H_
#define TFHUB_TESTING_RANDOM_BYTES_H_

#include <cstddef>
#include <string>

namespace tfhub::test {

// `n` bytes from a Mersenne Twister seeded with `seed`: the same for the
// same arguments, and incompressible (like trained weights).
std::string RandomBytes(size_t n, unsigned seed);

}  // namespace tfhub::test

#endif  // TFHUB_TESTING_RANDOM_BYTES_H_
