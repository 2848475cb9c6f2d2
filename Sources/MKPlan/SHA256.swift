import CSHA256

/// SHA-256 (FIPS 180-4), for the topology digest in a plan's fingerprint.
/// Small and dependency-free: the plan library links no crypto library.
/// Whole blocks go through the CPU's SHA extensions where it has them
/// (`CSHA256`, x86-64 since Ice Lake and Zen), else through the portable
/// code below; both give the same digest (the tests run both).
public enum SHA256 {
  /// Whether this CPU compresses with its SHA extensions, asked once.
  public static let accelerated = mkpolicy_sha256_accelerated() == 1
  private static let k: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4,
    0xab1c_5ed5,
    0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7,
    0xc19b_f174,
    0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc,
    0x76f9_88da,
    0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351,
    0x1429_2967,
    0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e,
    0x9272_2c85,
    0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585,
    0x106a_a070,
    0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f,
    0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7,
    0xc671_78f2,
  ]

  public static func hex<S: Sequence>(_ data: S) -> String where S.Element == UInt8 {
    hex(digest: digest(Array(data)))
  }

  /// `hex` of bytes already in an array (a plan's body): no copy.
  public static func hex(_ data: [UInt8]) -> String { hex(digest: digest(data)) }

  private static func hex(digest: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    text.reserveCapacity(64)
    for byte in digest {
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0xf)])
    }
    return String(decoding: text, as: UTF8.self)
  }

  /// The digest of `message`. The message is read in place, block by block
  /// (the padded tail is the only copy), through unchecked buffers: a plan
  /// of a large host is megabytes, and the digest is part of every plan.
  public static func digest(_ message: [UInt8]) -> [UInt8] {
    digest(message, accelerated: accelerated)
  }

  /// `digest`, with the choice of code made by the caller (the tests check
  /// that both give the same digests).
  public static func digest(_ message: [UInt8], accelerated: Bool) -> [UInt8] {
    var state = State()
    // The last whole blocks' remainder, the 0x80 marker, zeros and the
    // message's length in bits: one or two blocks.
    let whole = message.count - message.count % 64
    var tail = Array(message[whole...])
    tail.append(0x80)
    while tail.count % 64 != 56 { tail.append(0) }
    let bitLength = UInt64(message.count) &* 8
    for shift in stride(from: 56, through: 0, by: -8) {
      tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
    }
    k.withUnsafeBufferPointer { k in
      withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
        message.withUnsafeBufferPointer { bytes in
          if accelerated {
            state.compressAccelerated(bytes.baseAddress, blocks: whole / 64)
          } else {
            for start in stride(from: 0, to: whole, by: 64) {
              state.compress(bytes.baseAddress! + start, k, schedule)
            }
          }
        }
        tail.withUnsafeBufferPointer { bytes in
          if accelerated {
            state.compressAccelerated(bytes.baseAddress, blocks: bytes.count / 64)
          } else {
            for start in stride(from: 0, to: bytes.count, by: 64) {
              state.compress(bytes.baseAddress! + start, k, schedule)
            }
          }
        }
      }
    }
    return [state.h0, state.h1, state.h2, state.h3, state.h4, state.h5, state.h6, state.h7]
      .flatMap { word in (0..<4).reversed().map { UInt8(truncatingIfNeeded: word >> ($0 * 8)) } }
  }

  /// The hash value, eight words kept as separate values (registers, not an
  /// array) across blocks.
  private struct State {
    var h0: UInt32 = 0x6a09_e667
    var h1: UInt32 = 0xbb67_ae85
    var h2: UInt32 = 0x3c6e_f372
    var h3: UInt32 = 0xa54f_f53a
    var h4: UInt32 = 0x510e_527f
    var h5: UInt32 = 0x9b05_688c
    var h6: UInt32 = 0x1f83_d9ab
    var h7: UInt32 = 0x5be0_cd19

    /// `blocks` whole blocks at `bytes` through the SHA extensions.
    mutating func compressAccelerated(_ bytes: UnsafePointer<UInt8>?, blocks: Int) {
      guard let bytes, blocks > 0 else { return }
      var words = (h0, h1, h2, h3, h4, h5, h6, h7)
      withUnsafeMutableBytes(of: &words) { raw in
        mkpolicy_sha256_blocks(
          raw.baseAddress!.assumingMemoryBound(to: UInt32.self), bytes, blocks)
      }
      (h0, h1, h2, h3, h4, h5, h6, h7) = words
    }

    /// One 64-byte block at `block`; `w` is the message schedule's space,
    /// on the stack and reused for every block.
    @inline(__always)
    mutating func compress(
      _ block: UnsafePointer<UInt8>, _ k: UnsafeBufferPointer<UInt32>,
      _ w: UnsafeMutableBufferPointer<UInt32>
    ) {
      let raw = UnsafeRawPointer(block)
      for i in 0..<16 {
        w[i] = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
      }
      for i in 16..<64 {
        let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] &>> 3)
        let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] &>> 10)
        w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
      }
      var (a, b, c, d, e, f, g, hh) = (h0, h1, h2, h3, h4, h5, h6, h7)
      for i in 0..<64 {
        let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
        let choice = (e & f) ^ (~e & g)
        let t1 = hh &+ s1 &+ choice &+ k[i] &+ w[i]
        let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
        let majority = (a & b) ^ (a & c) ^ (b & c)
        let t2 = s0 &+ majority
        (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
      }
      h0 &+= a
      h1 &+= b
      h2 &+= c
      h3 &+= d
      h4 &+= e
      h5 &+= f
      h6 &+= g
      h7 &+= hh
    }
  }

  /// Masking shifts: one rotate instruction, no over-shift checks.
  @inline(__always)
  private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x &>> n) | (x &<< (32 &- n)) }
}
