"""The size check finds what it should and nothing else."""
import os
import tempfile
import unittest

import source_sizes


def body(lines):
    return "\n".join(f"  x += {i};" for i in range(lines))


class SourceSizesTest(unittest.TestCase):
    def check(self, files):
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.join(root, "src", "a"))
            for name, text in files.items():
                with open(os.path.join(root, "src", "a", name), "w") as f:
                    f.write(text)
            found = []
            for name in files:
                found += source_sizes.long_functions(os.path.join(root, "src", "a", name))
            return found, source_sizes.main(root)

    def test_a_function_of_81_lines_is_found_and_80_is_not(self):
        found, status = self.check({"f.cc": "void F() {\n" + body(78) + "\n}\n"})
        self.assertEqual((found, status), ([], 0))
        found, status = self.check({"f.cc": "int G(int x) const {\n" + body(79) + "\n}\n"})
        self.assertEqual((found, status), ([(1, 81)], 1))

    def test_methods_in_a_class_and_initializer_lists_count(self):
        text = ("class C {\n  C() : x_(1) {\n" + body(85) + "\n  }\n  int x_;\n};\n")
        self.assertEqual(self.check({"c.h": text})[0], [(2, 87)])

    def test_braces_in_strings_comments_and_raw_strings_are_ignored(self):
        text = ('void F() {\n  const char* s = "}}}";\n  // }\n  auto r = R"X(\n}\n' + "}\n" * 90 +
                ')X";\n}\n')
        self.assertEqual(self.check({"s.cc": text})[0], [(1, 97)])

    def test_control_blocks_and_lambdas_are_part_of_their_function(self):
        text = "void F() {\n  if (a) {\n" + body(50) + "\n  }\n  auto l = [&](int) {\n" + body(
            40) + "\n  };\n}\n"
        self.assertEqual(self.check({"l.cc": text})[0], [(1, 96)])

    def test_a_long_file_fails(self):
        self.assertEqual(self.check({"big.h": "int x;\n" * 501})[1], 1)
        self.assertEqual(self.check({"ok.h": "int x;\n" * 500})[1], 0)


if __name__ == "__main__":
    unittest.main()
