//! FNV-1a (64-bit): Signpost's one *stable* content hash, for values that must come out the
//! same in every build and version — the corpus fingerprint an index records (so a server
//! knows whether its index was built from the corpus it has) and the widget's cache-busting
//! version (`/widget/{hash}.js`, its ETag). Hash maps use rustc-hash's Fx instead, whose
//! output is free to change between versions; neither is for security.

/// An FNV-1a hash fed a piece at a time.
#[derive(Debug, Clone, Copy)]
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Fnv1a {
        Fnv1a::new()
    }
}

impl Fnv1a {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    pub const fn new() -> Fnv1a {
        Fnv1a(Self::OFFSET)
    }

    /// Feeds `bytes`: feeding `a` then `b` is the same as feeding `a` and `b` joined.
    pub fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    pub const fn finish(self) -> u64 {
        self.0
    }
}

/// The FNV-1a hash of `bytes`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash = Fnv1a::new();
    hash.write(bytes);
    hash.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_published_test_vectors() {
        // From the FNV reference (isthe.com/chongo/tech/comp/fnv): FNV-1a 64-bit.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn feeding_in_pieces_is_feeding_it_whole() {
        let mut hash = Fnv1a::new();
        hash.write(b"foo");
        hash.write(b"");
        hash.write(b"bar");
        assert_eq!(hash.finish(), fnv1a(b"foobar"));
    }
}
