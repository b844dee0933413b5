// The parser: trees for each construct, here-documents, aliases, and where input runs out.
#include <gtest/gtest.h>

#include "shell/parser.h"

using shell::Node;
using shell::Parser;

namespace {

Node* parse_one(std::string_view source) {
    Parser parser(source);
    Node* tree = nullptr;
    EXPECT_EQ(parser.parse_next(tree), Parser::Status::Command) << parser.error().c_str();
    return tree;
}

Parser::Status status_of(std::string_view source, bool final = true) {
    Parser parser(source);
    parser.set_final(final);
    for (;;) {
        Node* tree = nullptr;
        Parser::Status status = parser.parse_next(tree);
        delete tree;
        if (status != Parser::Status::Command)
            return status;
    }
}

} // namespace

TEST(ShellParser, SimpleCommandKeepsWordsAsWritten) {
    Node* tree = parse_one("A=1 echo 'a b' \"$x\" >out 2>&1");
    ASSERT_EQ(tree->kind, Node::Kind::Simple);
    ASSERT_EQ(tree->assignments.size(), 1u);
    ASSERT_EQ(tree->words.size(), 3u);
    EXPECT_EQ(tree->words[1], "'a b'");
    EXPECT_EQ(tree->words[2], "\"$x\"");
    ASSERT_EQ(tree->redirections.size(), 2u);
    EXPECT_EQ(tree->redirections[1].fd, 2);
    EXPECT_EQ(tree->redirections[1].kind, shell::Redirection::Kind::DupOutput);
    delete tree;
}

TEST(ShellParser, AndOrBindsLooserThanPipelines) {
    Node* tree = parse_one("a | b && ! c || d");
    ASSERT_EQ(tree->kind, Node::Kind::Or);
    ASSERT_EQ(tree->children[0]->kind, Node::Kind::And);
    EXPECT_EQ(tree->children[0]->children[0]->kind, Node::Kind::Pipeline);
    EXPECT_TRUE(tree->children[0]->children[1]->negate);
    delete tree;
}

TEST(ShellParser, CompoundCommands) {
    Node* tree = parse_one("if a; then b; elif c; then d; else e; fi");
    ASSERT_EQ(tree->kind, Node::Kind::If);
    ASSERT_EQ(tree->children.size(), 3u);
    EXPECT_EQ(tree->children[2]->kind, Node::Kind::If);
    delete tree;
    tree = parse_one("for i in 1 2 3; do echo $i; done");
    ASSERT_EQ(tree->kind, Node::Kind::For);
    EXPECT_EQ(tree->items.size(), 3u);
    delete tree;
    tree = parse_one("case $x in a|b) one;; (c) two;; *) ;; esac");
    ASSERT_EQ(tree->kind, Node::Kind::Case);
    ASSERT_EQ(tree->case_items.size(), 3u);
    EXPECT_EQ(tree->case_items[0].patterns.size(), 2u);
    EXPECT_EQ(tree->case_items[2].body, nullptr);
    delete tree;
    tree = parse_one("f() { echo hi; } >log");
    ASSERT_EQ(tree->kind, Node::Kind::Function);
    EXPECT_EQ(tree->children[0]->kind, Node::Kind::Group);
    EXPECT_EQ(tree->children[0]->redirections.size(), 1u);
    delete tree;
}

TEST(ShellParser, HereDocumentsReadAfterTheLine) {
    Node* tree = parse_one("cat <<A <<-'B'; echo after\none $x\nA\n\ttwo\n\tB\n");
    ASSERT_EQ(tree->kind, Node::Kind::List);
    Node* cat = tree->children[0];
    ASSERT_EQ(cat->redirections.size(), 2u);
    EXPECT_EQ(cat->redirections[0].here_doc_body, "one $x\n");
    EXPECT_TRUE(cat->redirections[0].here_doc_expand);
    EXPECT_EQ(cat->redirections[1].here_doc_body, "two\n");
    EXPECT_FALSE(cat->redirections[1].here_doc_expand);
    delete tree;
}

TEST(ShellParser, SubstitutionsMayHoldParenthesesAndCase) {
    Node* tree = parse_one("echo $(case x in x) echo ')';; esac) `a b` $((1+(2)))");
    ASSERT_EQ(tree->words.size(), 4u);
    EXPECT_EQ(tree->words[1], "$(case x in x) echo ')';; esac)");
    delete tree;
}

TEST(ShellParser, UnfinishedInputAsksForMoreUnlessFinal) {
    EXPECT_EQ(status_of("if true; then\n", false), Parser::Status::NeedMore);
    EXPECT_EQ(status_of("echo 'open\n", false), Parser::Status::NeedMore);
    EXPECT_EQ(status_of("cat <<E\nbody\n", false), Parser::Status::NeedMore);
    EXPECT_EQ(status_of("if true; then\n", true), Parser::Status::Error);
    EXPECT_EQ(status_of("echo )"), Parser::Status::Error);
    EXPECT_EQ(status_of("if then fi"), Parser::Status::Error);
    EXPECT_EQ(status_of("echo ok\n\n"), Parser::Status::End);
}

TEST(ShellParser, AliasesExpandInCommandPositionOnly) {
    shell::String value = "echo aliased";
    Parser parser("ll ll", [&](std::string_view name) -> const shell::String* {
        return name == "ll" ? &value : nullptr;
    });
    Node* tree = nullptr;
    ASSERT_EQ(parser.parse_next(tree), Parser::Status::Command);
    ASSERT_EQ(tree->words.size(), 3u);
    EXPECT_EQ(tree->words[0], "echo");
    EXPECT_EQ(tree->words[2], "ll");
    delete tree;
}
