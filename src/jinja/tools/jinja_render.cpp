// Developer tool: jinja_render TEMPLATE_FILE [CONTEXT_JSON_FILE] — renders to stdout, or prints
// the error to stderr with exit code 1. Used for quick differential checks against jinja2.
#include <fstream>
#include <iostream>
#include <sstream>

#include "jinja/jinja.h"

int render_main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: jinja_render TEMPLATE [CONTEXT.json]\n";
    return 2;
  }
  std::ifstream tf(argv[1], std::ios::binary);
  std::stringstream ts;
  ts << tf.rdbuf();
  bakeoff::Json ctx = bakeoff::Json::object();
  if (argc > 2) {
    std::ifstream cf(argv[2], std::ios::binary);
    ctx = bakeoff::Json::parse(cf);
  }
  bakeoff::jinja::Options opt;
  opt.fixed_now_epoch_s = 1767323045;  // 2026-01-02 03:04:05 UTC
  auto t = bakeoff::jinja::Template::compile(ts.str(), opt);
  if (!t.ok()) {
    std::cerr << "ERROR " << t.error().kind << ": " << t.error().to_string() << "\n";
    return 1;
  }
  auto r = t->render(ctx);
  if (!r.ok()) {
    std::cerr << "ERROR " << r.error().kind << ": " << r.error().to_string() << "\n";
    return 1;
  }
  std::cout << *r;
  return 0;
}

int main(int argc, char** argv) {
  try {
    return render_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
}
