<?xml version="1.0" encoding="UTF-8"?>
<!--
  common.xsl - what the page and feed stylesheets share: the release body
  mapped to HTML by an allowlist, inline text, the dateline.

  Release text reaches the output only through these templates.  Each
  element of the release format that may appear in a body has a template
  saying what HTML it becomes; anything else gives its text and nothing
  more.  No xsl:copy-of of release content, no disable-output-escaping:
  every character is written by the serialiser, escaped, but for a feed
  item's full text, which pr:feed-text escapes once in C (the same four
  substitutions as libxml2's serialiser) for all the feeds it is in.
  Links are checked again here (pr:safe-url) even though validate already
  refused bad ones.

  This module declares no namespace but XSLT's and pr's (both excluded), so
  the HTML made here carries no stray xmlns when a feed serialises it.
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:pr="urn:x-pr-publish"
                extension-element-prefixes="pr"
                exclude-result-prefixes="pr">

  <!-- ===== block and inline content of a body, notes, list items ===== -->

  <xsl:template match="p" mode="body">
    <p><xsl:call-template name="lang-attr"/><xsl:apply-templates mode="body"/></p>
  </xsl:template>

  <xsl:template match="subhead" mode="body">
    <h2><xsl:call-template name="lang-attr"/><xsl:apply-templates mode="body"/></h2>
  </xsl:template>

  <xsl:template match="ul" mode="body">
    <ul><xsl:call-template name="lang-attr"/><xsl:apply-templates select="li" mode="body"/></ul>
  </xsl:template>

  <xsl:template match="ol" mode="body">
    <ol><xsl:call-template name="lang-attr"/><xsl:apply-templates select="li" mode="body"/></ol>
  </xsl:template>

  <xsl:template match="li" mode="body">
    <li><xsl:call-template name="lang-attr"/><xsl:apply-templates mode="body"/></li>
  </xsl:template>

  <xsl:template match="blockquote" mode="body">
    <xsl:variable name="by" select="@by"/>
    <xsl:variable name="person" select="ancestor::release/people/person[@id = $by]"/>
    <blockquote>
      <xsl:call-template name="lang-attr"/>
      <xsl:apply-templates select="p" mode="body"/>
      <xsl:if test="$person">
        <p class="attribution">
          <xsl:text>— </xsl:text>
          <xsl:value-of select="$person/name"/>
          <xsl:if test="$person/role">
            <xsl:text>, </xsl:text>
            <xsl:apply-templates select="$person/role" mode="inline"/>
          </xsl:if>
        </p>
      </xsl:if>
    </blockquote>
  </xsl:template>

  <xsl:template match="em" mode="body">
    <em><xsl:apply-templates mode="body"/></em>
  </xsl:template>

  <xsl:template match="strong" mode="body">
    <strong><xsl:apply-templates mode="body"/></strong>
  </xsl:template>

  <xsl:template match="q" mode="body">
    <q><xsl:call-template name="lang-attr"/><xsl:apply-templates mode="body"/></q>
  </xsl:template>

  <xsl:template match="a" mode="body">
    <xsl:variable name="href" select="pr:safe-url(string(@href))"/>
    <xsl:choose>
      <xsl:when test="$href != ''">
        <a href="{$href}" rel="external noopener"><xsl:apply-templates mode="body"/></a>
      </xsl:when>
      <xsl:otherwise><xsl:apply-templates mode="body"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="span" mode="body">
    <span lang="{@xml:lang}"><xsl:apply-templates mode="body"/></span>
  </xsl:template>

  <xsl:template match="text()" mode="body">
    <xsl:value-of select="."/>
  </xsl:template>

  <!-- Not on the list: its text, no markup. -->
  <xsl:template match="*" mode="body">
    <xsl:value-of select="."/>
  </xsl:template>

  <!-- ===== headlines, names, roles: text and language spans ===== -->

  <xsl:template match="span" mode="inline">
    <span lang="{@xml:lang}"><xsl:apply-templates mode="inline"/></span>
  </xsl:template>

  <xsl:template match="text()" mode="inline">
    <xsl:value-of select="."/>
  </xsl:template>

  <xsl:template match="*" mode="inline">
    <xsl:value-of select="."/>
  </xsl:template>

  <xsl:template name="lang-attr">
    <xsl:if test="@xml:lang">
      <xsl:attribute name="lang"><xsl:value-of select="@xml:lang"/></xsl:attribute>
    </xsl:if>
  </xsl:template>

  <!-- ===== the dateline: "SEOUL/VIENNA, 15 October 2020" ===== -->

  <!-- Context: an <item>.  Places upper-cased in any script, joined by '/'. -->
  <xsl:template name="dateline-places">
    <xsl:for-each select="place">
      <xsl:if test="position() &gt; 1">/</xsl:if>
      <xsl:value-of select="pr:upper(string(.), string(../@lang))"/>
    </xsl:for-each>
  </xsl:template>

  <xsl:template name="dateline-text">
    <xsl:call-template name="dateline-places"/>
    <xsl:text>, </xsl:text>
    <xsl:value-of select="pr:format-date(string(@date), string(@lang))"/>
  </xsl:template>

  <!-- The full text of a release for a feed, as text: made, written as
       HTML and escaped once, and kept for the other feeds it is in
       (pr:feed-text, src/render.c).  The xsl:fallback, for a processor
       without pr:feed-text, writes the same through pr:markup(). -->
  <xsl:template name="feed-content">
    <pr:feed-text>
      <xsl:call-template name="feed-html"/>
      <xsl:fallback>
        <xsl:variable name="html"><xsl:call-template name="feed-html"/></xsl:variable>
        <xsl:value-of select="pr:markup($html)"/>
      </xsl:fallback>
    </pr:feed-text>
  </xsl:template>

  <!-- The full text of a release for a feed: body, then notes to editors. -->
  <xsl:template name="feed-html">
    <xsl:variable name="lang" select="string(@lang)"/>
    <p><strong><xsl:call-template name="dateline-text"/> –</strong></p>
    <xsl:apply-templates select="pr:release()/body/*" mode="body"/>
    <xsl:if test="pr:release()/notes">
      <h2><xsl:value-of select="pr:label('notes', $lang)"/></h2>
      <xsl:apply-templates select="pr:release()/notes/*" mode="body"/>
    </xsl:if>
  </xsl:template>

</xsl:stylesheet>
