#include <gtest/gtest.h>

#include "jinja/jinja.h"

using bakeoff::Json;
using bakeoff::jinja::Template;

TEST(Jinja, Smoke) {
  auto t = Template::compile("Hello {{ name }}!");
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  auto r = t->render(Json{{"name", "world"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "Hello world!");
}
