import MKCore
import Testing

@Suite struct CPUSetTests {
  @Test(arguments: [
    ("0-3,8,10-11", "0-3,8,10-11"), ("3,2,1,0", "0-3"), ("0,1", "0-1"), ("5", "5"),
    ("0-15:2/4", "0-1,4-5,8-9,12-13"), (" 1 , 3 ", "1,3"),
    // The bitmap reaches only the highest CPU listed, in any order.
    ("130,1,64-65", "1,64-65,130"), ("0-200:1/64", "0,64,128,192"), ("65535,0", "0,65535"),
    ("63-64", "63-64"), ("", ""),
  ])
  func parsesAndFormatsKernelCpulists(input: String, expected: String) throws {
    #expect(try CPUSet(cpulist: input, allowEmpty: true).cpulist == expected)
  }

  @Test(arguments: ["", "a", "3-1", "1-", "-1", "1,,2", "0-99999999", "1-2-3", "0-3:5/4"])
  func rejectsMalformedCpulists(input: String) {
    #expect(throws: CPUSet.ParseError.self) { try CPUSet(cpulist: input) }
  }

  @Test func setAlgebraAcrossWordBoundaries() {
    let a = CPUSet(range: 60...70)
    let b = CPUSet(range: 64...130)
    #expect(a.intersection(b).cpulist == "64-70")
    #expect(a.union(b).cpulist == "60-130")
    #expect(b.subtracting(a).cpulist == "71-130")
    #expect(a.subtracting(CPUSet(range: 0...200)) == CPUSet())
    #expect(a.subtracting(CPUSet(range: 0...200)).hashValue == CPUSet().hashValue)
    #expect(b.count == 67 && b.first == 64 && b.last == 130)
  }

  @Test func utf8SearchFindsWhatContainsFinds() {
    let cases = [
      ("PCI-MSI virtio1-req.0", "-req."), ("AFFINITY_MANAGED, MOVE", "AFFINITY_MANAGED"),
      ("abab-c", "ab-c"), ("short", "shorter"), ("", "x"), ("x", ""), ("aaa", "aa"),
      ("container=lxc", "container="), ("no match here", "-request."),
    ]
    for (text, needle) in cases {
      #expect(text.containsUTF8(needle) == text.contains(needle), "\(text) / \(needle)")
    }
  }

  @Test func hexMaskMatchesProcIrqFormat() {
    #expect(CPUSet([0, 1]).hexMask == "3")
    #expect(CPUSet([0, 32]).hexMask == "1,00000001")
    #expect(CPUSet().hexMask == "0")
  }
}

@Suite struct ByteSizeTests {
  @Test(arguments: [
    ("4GiB", UInt64(4) << 30), ("500MB", 500_000_000), ("1.5GiB", 1_610_612_736), ("4096", 4096),
    ("2 MiB", 2 << 20),
  ])
  func parsesUnits(input: String, expected: UInt64) throws {
    #expect(try ByteSize.parse(input) == expected)
  }

  @Test func reportsWhatIsWrong() {
    #expect(throws: ByteSize.ParseError.unknownUnit("GB/s")) { try ByteSize.parse("4GB/s") }
    #expect(throws: ByteSize.ParseError.fractionalBytes("1.3KiB")) { try ByteSize.parse("1.3KiB") }
    #expect(throws: ByteSize.ParseError.overflow("99999999999TiB")) {
      try ByteSize.parse("99999999999TiB")
    }
  }

  @Test func formatsShortestExactUnit() {
    #expect(ByteSize.format(4 << 30) == "4GiB")
    #expect(ByteSize.format(1536 << 20) == "1536MiB")
    #expect(ByteSize.format(4097) == "4097")
  }
}
