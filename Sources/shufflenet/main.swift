import ShuffleNet
for s in Presets.paperScales { for g in [1,2,3,4,8] { let c = Presets.paper(scale: s, groups: g); var ok = "ok"; do { try c.validate() } catch { ok = "\(error)" }; print(s, g, c.widths, Complexity(c).mflops, ok) } }
for p in Presets.all where p.name.hasPrefix("megvii") { print(p.name, Complexity(p.config).mflops, Complexity(p.config).parameters) }
