#if canImport(Glibc)
import Glibc
#endif
@testable import SimKernel
import Testing

/// The heap's growth is advised for huge pages once, in whole pages, and again after it
/// shrank and regrew; the kernel takes the advice.
@Suite("Huge-page heap")
struct HugePageHeapTests {
    let page: UInt = 4096

    @Test("growth is advised once, in whole pages, from where the heap ended when enabled")
    func growthIsAdvisedOnce() {
        var growth = HeapGrowth(start: 10 * page + 100, pageSize: page)
        // The page the heap ended in is not the growth's: advice starts at the next one.
        #expect(growth.advance(to: 11 * page) == nil)
        #expect(growth.advance(to: 50 * page) == 11 * page ..< 50 * page)
        #expect(growth.advance(to: 50 * page) == nil)
        // Only whole pages: the part of a page the heap ends in waits for the next growth.
        #expect(growth.advance(to: 80 * page + 10) == 50 * page ..< 80 * page)
        #expect(growth.advance(to: 81 * page) == 80 * page ..< 81 * page)
    }

    @Test("a heap that shrank is advised again from its new end as it regrows (regrown pages are a new mapping)")
    func shrunkHeapIsAdvisedAgain() {
        var growth = HeapGrowth(start: 0, pageSize: page)
        #expect(growth.advance(to: 100 * page) == 0 ..< 100 * page)
        #expect(growth.advance(to: 60 * page) == nil)
        #expect(growth.advance(to: 90 * page) == 60 * page ..< 90 * page)
    }

    #if os(Linux)
    @Test("the kernel marks an advised mapping for huge pages (VmFlags hg)",
          .enabled(if: access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) == 0, "a kernel without huge pages"))
    func kernelTakesTheAdvice() throws {
        let size = 8 << 20
        let memory = try #require(mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        try #require(memory != MAP_FAILED)
        defer { munmap(memory, size) }
        let start = UInt(bitPattern: memory)
        #expect(try #require(flags(containing: start)).contains("hg") == false)
        #expect(HugePageHeap.advise(start ..< start + UInt(size)))
        #expect(try #require(flags(containing: start)).contains("hg"))
        #expect(try #require(flags(containing: start + UInt(size) - 1)).contains("hg"))
    }

    /// The VmFlags of the mapping holding `address`, from /proc/self/smaps (nil if none).
    func flags(containing address: UInt) -> [Substring]? {
        guard let file = fopen("/proc/self/smaps", "r") else { return nil }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        var inside = false
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            if let dash = text.firstIndex(of: "-"), let space = text.firstIndex(of: " "), dash < space,
               let low = UInt(text[..<dash], radix: 16), let high = UInt(text[text.index(after: dash)..<space], radix: 16) {
                inside = low <= address && address < high
            } else if inside, text.hasPrefix("VmFlags:") {
                return text.dropFirst("VmFlags:".count).split(separator: " ").map { $0.trimmingSuffixNewline }
            }
        }
        return nil
    }
    #endif
}

private extension Substring {
    var trimmingSuffixNewline: Substring { hasSuffix("\n") ? dropLast() : self }
}
