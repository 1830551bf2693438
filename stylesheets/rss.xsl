<?xml version="1.0" encoding="UTF-8"?>
<!--
  rss.xsl - an RSS 2.0 feed from a /feed input document (src/build.c):
  @lang, @rss and @atom (the feeds' paths), @page (the listing it follows),
  @label (the field of work or source, if any), @updated (the newest item's
  date: lastBuildDate comes from the data, never the clock), <site>, and the
  newest <item>s; each item's whole release comes from pr:release().

  Dates are RFC 822 in English and UTC whatever the language (pr:rfc822);
  the guid is a tag: URI made of id and language, so it survives
  corrections; the summary goes to description, the full text (escaped
  HTML, built by the allowlist in common.xsl) to content:encoded.
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:pr="urn:x-pr-publish"
                exclude-result-prefixes="pr">

  <xsl:include href="common.xsl"/>

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>

  <xsl:variable name="lang" select="string(/feed/@lang)"/>
  <xsl:variable name="site" select="/feed/site"/>
  <xsl:variable name="base" select="string($site/@base)"/>

  <xsl:template match="/feed">
    <rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"
         xmlns:content="http://purl.org/rss/1.0/modules/content/">
      <channel>
        <title>
          <xsl:value-of select="$site/@title"/>
          <xsl:if test="@label">
            <xsl:text> – </xsl:text>
            <xsl:value-of select="@label"/>
          </xsl:if>
        </title>
        <link><xsl:value-of select="concat($base, @page)"/></link>
        <description>
          <xsl:value-of select="$site/@publisher"/>
          <xsl:text>: </xsl:text>
          <xsl:choose>
            <xsl:when test="@label"><xsl:value-of select="@label"/></xsl:when>
            <xsl:otherwise><xsl:value-of select="pr:label('latest', $lang)"/></xsl:otherwise>
          </xsl:choose>
        </description>
        <language><xsl:value-of select="$lang"/></language>
        <lastBuildDate><xsl:value-of select="pr:rfc822(string(@updated))"/></lastBuildDate>
        <atom:link href="{$base}{@rss}" rel="self" type="application/rss+xml"/>
        <xsl:apply-templates select="item"/>
      </channel>
    </rss>
  </xsl:template>

  <xsl:template match="item">
    <item xmlns:content="http://purl.org/rss/1.0/modules/content/">
      <title><xsl:value-of select="headline"/></title>
      <link><xsl:value-of select="concat($base, @path)"/></link>
      <guid isPermaLink="false"><xsl:value-of select="@guid"/></guid>
      <pubDate><xsl:value-of select="pr:rfc822(string(@published))"/></pubDate>
      <xsl:for-each select="field">
        <category domain="{$base}{$lang}/fields/"><xsl:value-of select="."/></category>
      </xsl:for-each>
      <description>
        <xsl:choose>
          <xsl:when test="summary"><xsl:value-of select="summary"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="pr:release()/body/p[1]"/></xsl:otherwise>
        </xsl:choose>
      </description>
      <content:encoded><xsl:call-template name="feed-content"/></content:encoded>
    </item>
  </xsl:template>

</xsl:stylesheet>
