<?xml version="1.0" encoding="UTF-8"?>
<!--
  html.xsl - every HTML page of the site, from one input document made by
  pr-publish build (src/build.c):

    /page[@kind='release']    one language version of a release
    /page[@kind='list']       a page of a listing: @type home, year, month,
                              field or source; its index (the newest) or,
                              with @page, a numbered page (from the oldest,
                              never changed by newer releases); @newer and
                              @older link the neighbours; its <item>s name
                              their release (@id @lang @path @date @month),
                              pr:item() gives the whole <item>
    /page[@kind='index']      the archive, fields of work, sources of a language
    /page[@kind='languages']  the site's front door: pick a language

  Every input has @lang, @path (the page's own path from the site root),
  @root ("../../", the way back to the root, so links work from disk and
  under any folder), <site> (titles, publisher, languages, base URL) and
  <alternate lang path> for the same page in other languages; a release
  page's <item> gets its <release> from pr:release() (src/render.h).  Links
  between pages are relative; canonical, hreflang and Open Graph URLs are
  absolute ($base).  UI strings come from labels.xml through pr:label().
  What many pages show the same (a header, a footer, a release's teaser)
  is made once a build, in a pr:fragment whose key names what it is made of.
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:pr="urn:x-pr-publish"
                extension-element-prefixes="pr"
                exclude-result-prefixes="pr">

  <xsl:include href="common.xsl"/>

  <!-- about:legacy-compat makes libxslt write <!DOCTYPE html>. -->
  <xsl:output method="html" encoding="UTF-8" indent="no"
              doctype-system="about:legacy-compat"/>

  <xsl:variable name="lang" select="string(/*/@lang)"/>
  <xsl:variable name="root" select="string(/*/@root)"/>
  <xsl:variable name="site" select="/*/site"/>
  <xsl:variable name="base" select="string($site/@base)"/>

  <!-- ===== the frame every page shares ===== -->

  <xsl:template match="/page">
    <html lang="{$lang}">
      <head>
        <!-- libxslt writes the charset: <meta http-equiv="Content-Type"> -->
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:apply-templates select="." mode="title"/></title>
        <link rel="stylesheet" href="{$root}style.css"/>
        <link rel="canonical" href="{$base}{@path}"/>
        <xsl:if test="alternate">
          <link rel="alternate" hreflang="{$lang}" href="{$base}{@path}"/>
          <xsl:for-each select="alternate">
            <link rel="alternate" hreflang="{@lang}" href="{$base}{@path}"/>
          </xsl:for-each>
        </xsl:if>
        <pr:fragment key="feed-links {$lang} {@rss} {@kind}">
          <xsl:call-template name="feed-links"/>
          <xsl:fallback><xsl:call-template name="feed-links"/></xsl:fallback>
        </pr:fragment>
        <xsl:apply-templates select="." mode="head"/>
      </head>
      <body>
        <header class="site">
          <!-- The same on every page of a language at the same depth:
               made once a build (pr:fragment, src/fragments.h). -->
          <pr:fragment key="header {$lang} {$root} {@kind}">
            <xsl:call-template name="site-header"/>
            <xsl:fallback><xsl:call-template name="site-header"/></xsl:fallback>
          </pr:fragment>
          <xsl:call-template name="language-switcher"/>
        </header>
        <main>
          <xsl:apply-templates select="." mode="main"/>
        </main>
        <pr:fragment key="footer {$lang} {$root} {@kind}">
          <xsl:call-template name="site-footer"/>
          <xsl:fallback><xsl:call-template name="site-footer"/></xsl:fallback>
        </pr:fragment>
      </body>
    </html>
  </xsl:template>

  <!-- The brand and the sections of a language: the same on every page of
       it at the same depth, so made once a build (pr:fragment; the
       xsl:fallback is for other XSLT processors). -->
  <xsl:template name="site-header">
    <a class="brand" href="{$root}{$lang}/index.html">
      <xsl:value-of select="$site/@title"/>
    </a>
    <xsl:if test="@kind != 'languages'">
      <nav class="sections" aria-label="{pr:label('sections', $lang)}">
        <ul>
          <li><a href="{$root}{$lang}/index.html"><xsl:value-of select="pr:label('latest', $lang)"/></a></li>
          <li><a href="{$root}{$lang}/archive/index.html"><xsl:value-of select="pr:label('archive', $lang)"/></a></li>
          <li><a href="{$root}{$lang}/fields/index.html"><xsl:value-of select="pr:label('fields', $lang)"/></a></li>
          <li><a href="{$root}{$lang}/sources/index.html"><xsl:value-of select="pr:label('sources', $lang)"/></a></li>
        </ul>
      </nav>
    </xsl:if>
  </xsl:template>

  <xsl:template name="site-footer">
    <footer class="site">
      <p>
        <xsl:value-of select="$site/@publisher"/>
        <xsl:if test="@kind != 'languages'">
          <xsl:text> · </xsl:text>
          <a href="{$root}{$lang}/rss.xml">RSS</a>
          <xsl:text> · </xsl:text>
          <a href="{$root}{$lang}/atom.xml">Atom</a>
        </xsl:if>
      </p>
    </footer>
  </xsl:template>

  <!-- The same page in the other languages, as the site lists them. -->
  <xsl:template name="language-switcher">
    <xsl:if test="alternate">
      <xsl:variable name="page" select="."/>
      <nav class="languages" aria-label="{pr:label('languages', $lang)}">
        <ul>
          <xsl:for-each select="$site/language">
            <xsl:variable name="code" select="string(@code)"/>
            <xsl:choose>
              <xsl:when test="$code = $lang and $page/@kind != 'languages'">
                <li><strong lang="{$code}"><xsl:value-of select="@name"/></strong></li>
              </xsl:when>
              <xsl:when test="$page/alternate[@lang = $code]">
                <li>
                  <a href="{$root}{$page/alternate[@lang = $code]/@path}" hreflang="{$code}"
                     lang="{$code}"><xsl:value-of select="@name"/></a>
                </li>
              </xsl:when>
            </xsl:choose>
          </xsl:for-each>
        </ul>
      </nav>
    </xsl:if>
  </xsl:template>

  <xsl:template name="feed-links">
    <xsl:variable name="rss">
      <xsl:choose>
        <xsl:when test="@rss"><xsl:value-of select="@rss"/></xsl:when>
        <xsl:when test="@kind != 'languages'"><xsl:value-of select="concat($lang, '/rss.xml')"/></xsl:when>
      </xsl:choose>
    </xsl:variable>
    <xsl:if test="string($rss) != ''">
      <xsl:variable name="atom" select="concat(substring-before($rss, 'rss.xml'), 'atom.xml')"/>
      <link rel="alternate" type="application/rss+xml" title="RSS" href="{$base}{$rss}"/>
      <link rel="alternate" type="application/atom+xml" title="Atom" href="{$base}{$atom}"/>
    </xsl:if>
  </xsl:template>

  <!-- ===== titles ===== -->

  <xsl:template match="page" mode="title">
    <xsl:variable name="heading"><xsl:apply-templates select="." mode="heading"/></xsl:variable>
    <xsl:if test="string($heading) != ''">
      <xsl:value-of select="$heading"/>
      <xsl:text> – </xsl:text>
    </xsl:if>
    <xsl:value-of select="$site/@title"/>
  </xsl:template>

  <!-- The same for a release, without the heading's result tree fragment
       (made for each of 12,500 pages). -->
  <xsl:template match="page[@kind='release']" mode="title">
    <xsl:variable name="heading" select="string(item/headline)"/>
    <xsl:if test="$heading != ''">
      <xsl:value-of select="$heading"/>
      <xsl:text> – </xsl:text>
    </xsl:if>
    <xsl:value-of select="$site/@title"/>
  </xsl:template>

  <xsl:template match="page[@kind='languages']" mode="heading"/>

  <xsl:template match="page[@kind='release']" mode="heading">
    <xsl:value-of select="item/headline"/>
  </xsl:template>

  <xsl:template match="page[@kind='index']" mode="heading">
    <xsl:value-of select="pr:label(string(@type), $lang)"/>
  </xsl:template>

  <xsl:template match="page[@kind='list']" mode="heading">
    <xsl:choose>
      <xsl:when test="@type = 'home'"><xsl:value-of select="pr:label('latest', $lang)"/></xsl:when>
      <xsl:when test="@type = 'year'"><xsl:value-of select="@key"/></xsl:when>
      <xsl:when test="@type = 'month'"><xsl:value-of select="pr:format-month(string(@key), $lang)"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="@label"/></xsl:otherwise>
    </xsl:choose>
    <xsl:if test="@page">
      <xsl:text> (</xsl:text>
      <xsl:value-of select="pr:label('page', $lang, string(@page))"/>
      <xsl:text>)</xsl:text>
    </xsl:if>
  </xsl:template>

  <!-- ===== <head> extras ===== -->

  <xsl:template match="page" mode="head"/>

  <!-- Open Graph and schema.org NewsArticle for a release.  Every string
       in the JSON goes through pr:json(), which also escapes < > &, so no
       headline can end the <script> early. -->
  <xsl:template match="page[@kind='release']" mode="head">
    <xsl:variable name="item" select="item"/>
    <xsl:variable name="url" select="concat($base, @path)"/>
    <xsl:variable name="locale" select="string($site/language[@code = $lang]/@locale)"/>
    <xsl:variable name="dateline"><xsl:for-each select="$item"><xsl:call-template name="dateline-text"/></xsl:for-each></xsl:variable>
    <xsl:variable name="withdrawn" select="boolean(pr:release($item)/withdrawn)"/>
    <xsl:if test="$withdrawn">
      <meta name="robots" content="noindex"/>
    </xsl:if>
    <xsl:if test="$item/summary and not($withdrawn)">
      <meta name="description" content="{$item/summary}"/>
    </xsl:if>
    <meta property="og:type" content="article"/>
    <meta property="og:title" content="{$item/headline}"/>
    <xsl:if test="$item/summary and not($withdrawn)">
      <meta property="og:description" content="{$item/summary}"/>
    </xsl:if>
    <meta property="og:url" content="{$url}"/>
    <meta property="og:site_name" content="{$site/@title}"/>
    <meta property="og:locale" content="{$locale}"/>
    <xsl:for-each select="alternate">
      <xsl:variable name="code" select="string(@lang)"/>
      <meta property="og:locale:alternate" content="{$site/language[@code = $code]/@locale}"/>
    </xsl:for-each>
    <meta property="article:published_time" content="{$item/@published}"/>
    <meta property="article:modified_time" content="{$item/@updated}"/>
    <xsl:for-each select="$item/field">
      <xsl:if test="position() = 1"><meta property="article:section" content="{.}"/></xsl:if>
      <meta property="article:tag" content="{.}"/>
    </xsl:for-each>
    <xsl:if test="not($withdrawn)">
      <script type="application/ld+json">
        <xsl:value-of select="concat('{&quot;@context&quot;:&quot;https://schema.org&quot;,&quot;@type&quot;:&quot;NewsArticle&quot;',
            pr:json-members('headline', string($item/headline),
                            'alternativeHeadline', $item/subtitle,
                            'description', $item/summary,
                            'datePublished', string($item/@published),
                            'dateModified', string($item/@updated),
                            'dateline', string($dateline),
                            'inLanguage', $lang,
                            'url', $url,
                            'mainEntityOfPage', $url),
            ',&quot;publisher&quot;:{&quot;@type&quot;:&quot;Organization&quot;',
            pr:json-members('name', string($site/@publisher),
                            'alternateName', $site/@publisher-abbr,
                            'url', $base),
            '}')"/>
        <xsl:if test="$item/field">
          <xsl:text>,"about":[</xsl:text>
          <xsl:for-each select="$item/field">
            <xsl:if test="position() &gt; 1">,</xsl:if>
            <xsl:text>{"@type":"Thing","name":</xsl:text><xsl:value-of select="pr:json(string(.))"/><xsl:text>}</xsl:text>
          </xsl:for-each>
          <xsl:text>]</xsl:text>
        </xsl:if>
        <xsl:variable name="original" select="alternate[@original = '1']"/>
        <xsl:choose>
          <xsl:when test="$item/@original-lang and $original">
            <xsl:text>,"translationOfWork":{"@id":</xsl:text>
            <xsl:value-of select="pr:json(concat($base, $original/@path))"/>
            <xsl:text>}</xsl:text>
          </xsl:when>
          <xsl:when test="not($item/@original-lang) and alternate">
            <xsl:text>,"workTranslation":[</xsl:text>
            <xsl:for-each select="alternate">
              <xsl:if test="position() &gt; 1">,</xsl:if>
              <xsl:text>{"@id":</xsl:text><xsl:value-of select="pr:json(concat($base, @path))"/><xsl:text>}</xsl:text>
            </xsl:for-each>
            <xsl:text>]</xsl:text>
          </xsl:when>
        </xsl:choose>
        <xsl:text>}</xsl:text>
      </script>
    </xsl:if>
  </xsl:template>

  <!-- ===== main content ===== -->

  <!-- The front door: the site in each of its languages. -->
  <xsl:template match="page[@kind='languages']" mode="main">
    <h1><xsl:value-of select="$site/@title"/></h1>
    <ul class="language-list">
      <xsl:for-each select="alternate">
        <xsl:variable name="code" select="string(@lang)"/>
        <xsl:variable name="language" select="$site/language[@code = $code]"/>
        <li lang="{$code}">
          <a href="{$root}{@path}" hreflang="{$code}"><xsl:value-of select="$language/@title"/></a>
          <xsl:text> (</xsl:text><xsl:value-of select="$language/@name"/><xsl:text>)</xsl:text>
        </li>
      </xsl:for-each>
    </ul>
  </xsl:template>

  <xsl:template match="page[@kind='release']" mode="main">
    <xsl:apply-templates select="item" mode="article"/>
  </xsl:template>

  <xsl:template match="item" mode="article">
    <xsl:variable name="rel" select="pr:release()"/>
    <article class="release">
      <p class="type"><xsl:value-of select="pr:label(string(@type), $lang)"/></p>
      <h1><xsl:apply-templates select="headline/node()" mode="inline"/></h1>
      <xsl:choose>
        <xsl:when test="$rel/withdrawn">
          <p class="withdrawn">
            <xsl:value-of select="pr:label('withdrawn', $lang, pr:format-date(string($rel/withdrawn/@date), $lang))"/>
            <xsl:if test="normalize-space($rel/withdrawn) != ''">
              <xsl:text> </xsl:text>
              <xsl:apply-templates select="$rel/withdrawn/node()" mode="inline"/>
            </xsl:if>
          </p>
        </xsl:when>
        <xsl:otherwise>
          <xsl:if test="subtitle">
            <p class="subtitle"><xsl:apply-templates select="subtitle/node()" mode="inline"/></p>
          </xsl:if>
          <p class="dateline">
            <span class="places"><xsl:call-template name="dateline-places"/></span>
            <xsl:text>, </xsl:text>
            <time datetime="{@date}"><xsl:value-of select="pr:format-date(string(@date), $lang)"/></time>
            <xsl:text> –</xsl:text>
          </p>
          <xsl:if test="substring(@updated, 1, 10) != @date">
            <p class="updated">
              <xsl:value-of select="pr:label('updated', $lang)"/>
              <xsl:text>: </xsl:text>
              <time datetime="{substring(@updated, 1, 10)}">
                <xsl:value-of select="pr:format-date(substring(@updated, 1, 10), $lang)"/>
              </time>
            </p>
          </xsl:if>
          <xsl:if test="summary">
            <p class="summary"><xsl:apply-templates select="summary/node()" mode="inline"/></p>
          </xsl:if>
          <div class="body">
            <xsl:apply-templates select="$rel/body/*" mode="body"/>
          </div>
          <xsl:if test="$rel/corrections">
            <section class="corrections">
              <h2><xsl:value-of select="pr:label('corrections', $lang)"/></h2>
              <ul>
                <xsl:for-each select="$rel/corrections/correction">
                  <li>
                    <time datetime="{@date}"><xsl:value-of select="pr:format-date(string(@date), $lang)"/></time>
                    <xsl:if test="normalize-space(.) != ''">
                      <xsl:text>: </xsl:text>
                      <xsl:apply-templates mode="inline"/>
                    </xsl:if>
                  </li>
                </xsl:for-each>
              </ul>
            </section>
          </xsl:if>
          <xsl:if test="$rel/contacts">
            <section class="contacts">
              <h2><xsl:value-of select="pr:label('contacts', $lang)"/></h2>
              <xsl:for-each select="$rel/contacts/contact">
                <div class="contact">
                  <p class="name"><xsl:value-of select="name"/></p>
                  <xsl:if test="role or organization">
                    <p>
                      <xsl:apply-templates select="role/node()" mode="inline"/>
                      <xsl:if test="role and organization"><br/></xsl:if>
                      <xsl:apply-templates select="organization/node()" mode="inline"/>
                    </p>
                  </xsl:if>
                  <xsl:for-each select="email">
                    <p>
                      <xsl:value-of select="pr:label('email', $lang)"/>
                      <xsl:text>: </xsl:text>
                      <xsl:variable name="mailto" select="pr:safe-url(concat('mailto:', normalize-space(.)))"/>
                      <xsl:choose>
                        <xsl:when test="$mailto != ''"><a href="{$mailto}"><xsl:value-of select="normalize-space(.)"/></a></xsl:when>
                        <xsl:otherwise><xsl:value-of select="."/></xsl:otherwise>
                      </xsl:choose>
                    </p>
                  </xsl:for-each>
                  <xsl:for-each select="phone">
                    <p>
                      <xsl:value-of select="pr:label('phone', $lang)"/>
                      <xsl:text>: </xsl:text>
                      <xsl:value-of select="."/>
                    </p>
                  </xsl:for-each>
                </div>
              </xsl:for-each>
            </section>
          </xsl:if>
          <xsl:if test="$rel/notes">
            <section class="notes">
              <h2><xsl:value-of select="pr:label('notes', $lang)"/></h2>
              <xsl:apply-templates select="$rel/notes/*" mode="body"/>
            </section>
          </xsl:if>
          <aside class="terms">
            <xsl:if test="field">
              <h2><xsl:value-of select="pr:label('fields', $lang)"/></h2>
              <ul>
                <xsl:for-each select="field">
                  <li><a href="{$root}{@path}"><xsl:value-of select="."/></a></li>
                </xsl:for-each>
              </ul>
            </xsl:if>
            <h2><xsl:value-of select="pr:label('sources', $lang)"/></h2>
            <ul>
              <xsl:for-each select="source">
                <li><a href="{$root}{@path}"><xsl:value-of select="."/></a></li>
              </xsl:for-each>
            </ul>
            <xsl:if test="country">
              <h2><xsl:value-of select="pr:label('countries', $lang)"/></h2>
              <ul>
                <xsl:for-each select="country">
                  <li><xsl:value-of select="."/></li>
                </xsl:for-each>
              </ul>
            </xsl:if>
          </aside>
        </xsl:otherwise>
      </xsl:choose>
    </article>
  </xsl:template>

  <!-- A page of a listing. -->
  <xsl:template match="page[@kind='list']" mode="main">
    <xsl:variable name="eyebrow">
      <xsl:choose>
        <xsl:when test="@type = 'field'"><xsl:value-of select="pr:label('fields', $lang)"/></xsl:when>
        <xsl:when test="@type = 'source'"><xsl:value-of select="pr:label('sources', $lang)"/></xsl:when>
        <xsl:when test="@type = 'year' or @type = 'month'"><xsl:value-of select="pr:label('archive', $lang)"/></xsl:when>
      </xsl:choose>
    </xsl:variable>
    <xsl:if test="string($eyebrow) != ''">
      <p class="eyebrow"><xsl:value-of select="$eyebrow"/></p>
    </xsl:if>
    <h1><xsl:apply-templates select="." mode="heading"/></h1>
    <xsl:if test="@rss">
      <p class="feeds">
        <xsl:value-of select="pr:label('subscribe', $lang)"/>
        <xsl:text>: </xsl:text>
        <a href="{$root}{@rss}" type="application/rss+xml">RSS</a>
        <xsl:text> · </xsl:text>
        <a href="{$root}{@atom}" type="application/atom+xml">Atom</a>
      </p>
    </xsl:if>
    <xsl:choose>
      <xsl:when test="item">
        <ul class="releases">
          <xsl:apply-templates select="item" mode="teaser"/>
        </ul>
      </xsl:when>
      <xsl:otherwise>
        <p class="empty"><xsl:value-of select="pr:label('no-releases', $lang)"/></p>
      </xsl:otherwise>
    </xsl:choose>
    <!-- Newest first: the index, then page P, P-1, ... 1 (the oldest).
         A numbered page names its number and dates, never how many pages
         there are, so that newer releases leave it as it is. -->
    <xsl:if test="@newer or @older">
      <nav class="pagination" aria-label="{pr:label('pages', $lang)}">
        <xsl:if test="@newer">
          <a href="{$root}{@newer}" rel="prev"><xsl:value-of select="pr:label('newer', $lang)"/></a>
          <xsl:text> </xsl:text>
        </xsl:if>
        <xsl:if test="@page">
          <span>
            <xsl:value-of select="pr:label('page', $lang, string(@page))"/>
            <xsl:text>: </xsl:text>
            <time datetime="{item[last()]/@date}"><xsl:value-of select="pr:format-date(string(item[last()]/@date), $lang)"/></time>
            <xsl:if test="item[1]/@date != item[last()]/@date">
              <xsl:text> – </xsl:text>
              <time datetime="{item[1]/@date}"><xsl:value-of select="pr:format-date(string(item[1]/@date), $lang)"/></time>
            </xsl:if>
          </span>
        </xsl:if>
        <xsl:if test="@older">
          <xsl:if test="@newer or @page"><xsl:text> </xsl:text></xsl:if>
          <a href="{$root}{@older}" rel="next"><xsl:value-of select="pr:label('older', $lang)"/></a>
        </xsl:if>
      </nav>
    </xsl:if>
  </xsl:template>

  <xsl:template match="item" mode="teaser">
    <!-- A year's listing is split by month. -->
    <xsl:if test="/page/@type = 'year' and not(preceding-sibling::item[1]/@month = @month)">
      <li class="month"><h2><xsl:value-of select="pr:format-month(string(@month), $lang)"/></h2></li>
    </xsl:if>
    <!-- The same in every listing of the release in a language, but for
         the way back to the root, which each page fills in
         (relative-to); made from the whole item (pr:item()). -->
    <pr:fragment key="teaser {@id} {@lang} {$lang}" relative-to="root">
      <xsl:apply-templates select="pr:item()" mode="teaser-made"/>
      <xsl:fallback><xsl:apply-templates select="pr:item()" mode="teaser-made"/></xsl:fallback>
    </pr:fragment>
  </xsl:template>

  <xsl:template match="item" mode="teaser-made">
    <li>
      <article class="teaser">
        <h2><a href="{$root}{@path}"><xsl:apply-templates select="headline/node()" mode="inline"/></a></h2>
        <p class="meta">
          <time datetime="{@date}"><xsl:value-of select="pr:format-date(string(@date), $lang)"/></time>
          <xsl:text> · </xsl:text>
          <xsl:call-template name="dateline-places"/>
        </p>
        <xsl:if test="summary">
          <p><xsl:apply-templates select="summary/node()" mode="inline"/></p>
        </xsl:if>
      </article>
    </li>
  </xsl:template>

  <!-- The archive, fields and sources of a language. -->
  <xsl:template match="page[@kind='index']" mode="main">
    <h1><xsl:value-of select="pr:label(string(@type), $lang)"/></h1>
    <xsl:choose>
      <xsl:when test="not(group)">
        <p class="empty"><xsl:value-of select="pr:label('no-releases', $lang)"/></p>
      </xsl:when>
      <xsl:when test="@type = 'archive'">
        <xsl:for-each select="group">
          <section class="year">
            <h2><a href="{$root}{@path}"><xsl:value-of select="@key"/></a> <span class="count"><xsl:value-of select="concat(' (', @count, ')')"/></span></h2>
            <ul class="months">
              <xsl:for-each select="group">
                <li>
                  <a href="{$root}{@path}"><xsl:value-of select="pr:format-month(string(@key), $lang)"/></a>
                  <span class="count"><xsl:value-of select="concat(' (', @count, ')')"/></span>
                </li>
              </xsl:for-each>
            </ul>
          </section>
        </xsl:for-each>
      </xsl:when>
      <xsl:otherwise>
        <ul class="terms">
          <xsl:for-each select="group">
            <li>
              <a href="{$root}{@path}"><xsl:value-of select="@label"/></a>
              <span class="count"><xsl:value-of select="concat(' (', @count, ')')"/></span>
            </li>
          </xsl:for-each>
        </ul>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

</xsl:stylesheet>
