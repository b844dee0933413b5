// FunctionRef<R(Args...)>: a non-owning reference to something callable, for callbacks that run
// before the call taking them returns (directory listings, walks). No allocation, unlike a
// std::function; the callable must outlive the call.
#pragma once

#include <type_traits>
#include <utility>

namespace ktl {

template <typename Signature>
class FunctionRef;

template <typename Result, typename... Arguments>
class FunctionRef<Result(Arguments...)> {
public:
    template <typename Callable>
    requires(!std::is_same_v<std::remove_cvref_t<Callable>, FunctionRef> &&
             std::is_invocable_r_v<Result, Callable&, Arguments...>) FunctionRef(Callable&& callable)
        : m_object(const_cast<void*>(static_cast<const void*>(&callable))),
          m_call([](void* object, Arguments... arguments) -> Result {
              return (*static_cast<std::remove_reference_t<Callable>*>(object))(
                  std::forward<Arguments>(arguments)...);
          }) {}

    Result operator()(Arguments... arguments) const {
        return m_call(m_object, std::forward<Arguments>(arguments)...);
    }

private:
    void* m_object;
    Result (*m_call)(void*, Arguments...);
};

} // namespace ktl
