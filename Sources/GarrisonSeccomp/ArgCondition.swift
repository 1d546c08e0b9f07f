/// One argument condition of a rule: `args[index] op value` (see ``SeccompOperator`` for masked equality).
public struct ArgCondition: Codable, Sendable, Hashable, Comparable {
  public var index: UInt32
  public var value: UInt64
  public var valueTwo: UInt64
  public var op: SeccompOperator

  public init(index: UInt32, value: UInt64, valueTwo: UInt64 = 0, op: SeccompOperator) {
    self.index = index
    self.value = value
    self.valueTwo = valueTwo
    self.op = op
  }

  enum CodingKeys: String, CodingKey { case index, value, valueTwo, op }

  public init(from decoder: any Decoder) throws {
    try StrictDecoding.rejectUnknownKeys(in: decoder, allowed: ["index", "value", "valueTwo", "op"])
    let c = try decoder.container(keyedBy: CodingKeys.self)
    index = try c.decode(UInt32.self, forKey: .index)
    value = try c.decode(UInt64.self, forKey: .value)
    valueTwo = try c.decodeIfPresent(UInt64.self, forKey: .valueTwo) ?? 0
    op = try c.decode(SeccompOperator.self, forKey: .op)
  }

  public static func < (l: ArgCondition, r: ArgCondition) -> Bool {
    (l.index, l.op.libseccompValue, l.value, l.valueTwo) < (r.index, r.op.libseccompValue, r.value, r.valueTwo)
  }
}
