import CGarrisonLinux

/// How much freed memory the C allocator keeps instead of handing it back to the kernel.
public enum HeapRetention {
  /// Keeps up to `bytes` of freed memory at the top of each heap for reuse (glibc's `M_TOP_PAD`, which also grows
  /// each heap in steps of that much address space; only the pages written are resident). A short-lived process that
  /// allocates and frees in waves, like `garrison lint` a window of files at a time, otherwise gives the memory back
  /// after each wave and takes a page fault per page to get it again. The corresponding C function is
  /// `mallopt(M_TOP_PAD)`.
  public static func keepFreed(upTo bytes: Int) {
    // A refusal (a value glibc does not take) leaves the allocator as it was: nothing depends on it but speed.
    _ = gr_malloc_top_pad(Int32(clamping: bytes))
  }
}
