-- Pandoc filter that makes one book of README.md (the main input) and the docs/ pages listed in the
-- `chapters` metadata (repository paths, in reading order). Each page is parsed on its own with
-- GitHub's heading identifiers (build-docs reads README with gfm_auto_identifiers too), so a link
-- that works on GitHub works here. The identifiers are then prefixed with the page's name
-- (`memory.md#the-heap` -> `#memory--the-heap`) and every link between pages is rewritten to point
-- inside the book. A link to a page or a section that does not exist stops the build. Images are
-- resolved against their page's folder, so `--resource-path` is not needed.

local path = pandoc.path

-- Applies a filter to a list of blocks (pandoc 2.17 has no List:walk).
local function walk(blocks, filter)
  return pandoc.walk_block(pandoc.Div(blocks), filter).content
end

local function key_of(file)
  return (path.filename(file):gsub('%.md$', ''):lower())
end

-- Renames every identifier of a page and records old -> new, so links can follow.
local function rename_ids(blocks, key, ids)
  local function rename(el)
    if el.identifier and el.identifier ~= '' then
      local new = key .. '--' .. el.identifier
      ids[el.identifier] = new
      el.identifier = new
      return el
    end
  end
  return walk(blocks, { Header = rename, Div = rename, Span = rename, CodeBlock = rename })
end

local function has_scheme(target)
  return target:match('^%a[%w+.-]*:') ~= nil
end

-- Rewrites the links and images of the page `file`; `pages` maps a repository path to
-- { key = ..., ids = { old = new } }.
local function rewrite_links(blocks, file, pages)
  local dir = path.directory(file)
  local here = pages[file]
  local function resolve(target)
    return path.normalize(path.join({ dir, target })):gsub('^%./', '')
  end
  return walk(blocks, {
    Link = function(link)
      local target = link.target
      if target == '' or has_scheme(target) then
        return nil
      end
      local file_part, fragment = target:match('^([^#]*)#?(.*)$')
      local page = file_part == '' and here or pages[resolve(file_part)]
      if not page then
        if file_part:match('%.md$') then
          error(file .. ': link to a page that is not in the book: ' .. target, 0)
        end
        return nil -- a link to a source file or another document: kept as written
      end
      if fragment == '' then
        link.target = '#' .. page.key
      elseif page.ids[fragment] then
        link.target = '#' .. page.ids[fragment]
      else
        error(file .. ': link to a section that does not exist: ' .. target, 0)
      end
      return link
    end,
    Image = function(image)
      if not has_scheme(image.src) then
        image.src = resolve(image.src)
      end
      return image
    end,
  })
end

function Pandoc(doc)
  local files = { 'README.md' }
  for _, chapter in ipairs(doc.meta.chapters or {}) do
    files[#files + 1] = pandoc.utils.stringify(chapter)
  end
  doc.meta.chapters = nil

  local pages, bodies = {}, {}
  for i, file in ipairs(files) do
    local blocks
    if i == 1 then
      blocks = doc.blocks
    else
      local handle = assert(io.open(file, 'r'))
      blocks = pandoc.read(handle:read('a'), 'markdown+gfm_auto_identifiers').blocks
      handle:close()
    end
    local key = key_of(file)
    local ids = {}
    bodies[i] = rename_ids(blocks, key, ids)
    pages[file] = { key = key, ids = ids }
  end

  local book = pandoc.List()
  for i, file in ipairs(files) do
    local blocks = rewrite_links(bodies[i], file, pages)
    -- An empty marker, not a wrapper: pandoc 2.17's table of contents does not look inside divs.
    book:insert(pandoc.Div({}, pandoc.Attr(pages[file].key, { 'chapter' }, { source = file })))
    book:extend(blocks)
  end
  doc.blocks = book
  return doc
end
