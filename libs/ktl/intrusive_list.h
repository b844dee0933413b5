// A doubly linked list whose links live in the elements, so adding and removing never allocates:
// wait queues, timer queues and the task list use it. An element derives from IntrusiveListNode<Tag>
// once per list it can be in (the tag tells the lists apart); the list does not own its elements.
#pragma once

#include <cstddef>

namespace ktl {

template <typename Tag = void>
struct IntrusiveListNode {
    IntrusiveListNode* next_node = nullptr;
    IntrusiveListNode* previous_node = nullptr;
    bool linked = false;

    bool is_linked() const { return linked; }
};

template <typename T, typename Tag = void>
class IntrusiveList {
    using Node = IntrusiveListNode<Tag>;

public:
    constexpr IntrusiveList() = default;
    IntrusiveList(const IntrusiveList&) = delete;
    IntrusiveList& operator=(const IntrusiveList&) = delete;

    bool is_empty() const { return m_head == nullptr; }
    size_t size() const { return m_size; }
    T* first() const { return element_of(m_head); }
    T* last() const { return element_of(m_tail); }
    static T* next(const T& element) { return element_of(node_of(element).next_node); }
    static T* previous(const T& element) { return element_of(node_of(element).previous_node); }

    void push_back(T& element) { insert_before(nullptr, element); }
    void push_front(T& element) { insert_before(first(), element); }
    // Inserts `element` (not in any list of this tag) before `position`; null means at the end.
    void insert_before(T* position, T& element) {
        Node& node = node_of(element);
        Node* after = position ? &node_of(*position) : nullptr;
        Node* before = after ? after->previous_node : m_tail;
        node.next_node = after;
        node.previous_node = before;
        (before ? before->next_node : m_head) = &node;
        (after ? after->previous_node : m_tail) = &node;
        node.linked = true;
        ++m_size;
    }
    // `element` must be in this list.
    void remove(T& element) {
        Node& node = node_of(element);
        (node.previous_node ? node.previous_node->next_node : m_head) = node.next_node;
        (node.next_node ? node.next_node->previous_node : m_tail) = node.previous_node;
        node.next_node = node.previous_node = nullptr;
        node.linked = false;
        --m_size;
    }
    T* pop_front() {
        T* element = first();
        if (element)
            remove(*element);
        return element;
    }

    // Iteration reads the successor before the loop body runs, so the body may remove the element.
    class Iterator {
    public:
        explicit Iterator(T* element) : m_element(element), m_next(element ? next(*element) : nullptr) {}
        T& operator*() const { return *m_element; }
        Iterator& operator++() {
            m_element = m_next;
            m_next = m_element ? next(*m_element) : nullptr;
            return *this;
        }
        bool operator==(const Iterator& other) const { return m_element == other.m_element; }

    private:
        T* m_element;
        T* m_next;
    };
    Iterator begin() const { return Iterator(first()); }
    Iterator end() const { return Iterator(nullptr); }

private:
    static Node& node_of(T& element) { return static_cast<Node&>(element); }
    static const Node& node_of(const T& element) { return static_cast<const Node&>(element); }
    static T* element_of(Node* node) { return node ? static_cast<T*>(node) : nullptr; }

    Node* m_head = nullptr;
    Node* m_tail = nullptr;
    size_t m_size = 0;
};

} // namespace ktl
